#include "login/form.h"

#include <gtest/gtest.h>

namespace gatehouse::login {
namespace {

TEST(Form, ValidEmails) {
  EXPECT_EQ(ValidateEmail("ann@example.com"), "ann@example.com");
  EXPECT_EQ(ValidateEmail("  Ann.Lee+tag@Sub.Example.COM \t\r\n"), "Ann.Lee+tag@Sub.Example.COM");
  EXPECT_EQ(ValidateEmail("u@b\xc3\xbc" "cher.de"), "u@b\xc3\xbc" "cher.de");
  std::string longest = std::string(64, 'a') + "@" + std::string(185, 'b') + ".com";
  ASSERT_EQ(longest.size(), 254u);
  EXPECT_TRUE(ValidateEmail(longest));
}

TEST(Form, InvalidEmails) {
  for (std::string_view bad : {"", "   ", "ann", "ann@", "@example.com", "ann@example", "ann@@example.com",
                               "a@b@example.com", "ann lee@example.com", "ann@exa mple.com", "ann@.example.com",
                               "ann@example.com.", "ann@example..com", "ann\x01@example.com", "ann@example.com\x7f"}) {
    EXPECT_FALSE(ValidateEmail(bad)) << bad;
  }
  EXPECT_FALSE(ValidateEmail(std::string(64, 'a') + "@" + std::string(186, 'b') + ".com"));  // 255
  EXPECT_FALSE(ValidateEmail(std::string("ann\0@example.com", 16)));
}

TEST(Form, Names) {
  EXPECT_EQ(ValidateName("  Ann Lee "), "Ann Lee");
  EXPECT_EQ(ValidateName(""), "");
  EXPECT_TRUE(ValidateName(std::string(200, 'n')));
  EXPECT_FALSE(ValidateName(std::string(201, 'n')));
  EXPECT_FALSE(ValidateName("Ann\nLee"));
}

}  // namespace
}  // namespace gatehouse::login
