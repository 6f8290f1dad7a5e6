#include "login/form.h"

#include <gtest/gtest.h>

namespace gatehouse::login {
namespace {

TEST(Form, ParsesFields) {
  auto f = Form::Parse("tx=abc&email=ann%40example.com&name=Ann+Lee&empty=");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->Get("tx"), "abc");
  EXPECT_EQ(f->Get("email"), "ann@example.com");
  EXPECT_EQ(f->Get("name"), "Ann Lee");
  EXPECT_TRUE(f->Has("empty"));
  EXPECT_FALSE(f->Has("missing"));
  EXPECT_EQ(f->Get("missing"), "");
}

TEST(Form, RejectsRepeatsAndMalformedInput) {
  EXPECT_FALSE(Form::Parse("tx=a&tx=b").ok());
  EXPECT_FALSE(Form::Parse("email=a&email=a").ok());
  EXPECT_FALSE(Form::Parse("email=%zz").ok());
  EXPECT_FALSE(Form::Parse("email=%ff%fe").ok());  // not UTF-8
  std::string many;
  for (int i = 0; i < 100; ++i) many += "f" + std::to_string(i) + "=1&";
  EXPECT_FALSE(Form::Parse(many).ok());
}

http::Request WithContentType(std::vector<std::string>* storage) {
  http::Request r;
  for (const auto& v : *storage) r.headers.push_back({"Content-Type", v});
  return r;
}

TEST(Form, ContentType) {
  auto check = [](std::vector<std::string> values) {
    http::Request r = WithContentType(&values);
    return IsFormUrlEncoded(r);
  };
  EXPECT_TRUE(check({"application/x-www-form-urlencoded"}));
  EXPECT_TRUE(check({"Application/X-WWW-Form-Urlencoded; charset=UTF-8"}));
  EXPECT_TRUE(check({" application/x-www-form-urlencoded ;charset=utf-8"}));
  EXPECT_FALSE(check({}));
  EXPECT_FALSE(check({"multipart/form-data; boundary=x"}));
  EXPECT_FALSE(check({"text/plain"}));
  EXPECT_FALSE(check({"application/json"}));
  EXPECT_FALSE(check({"application/x-www-form-urlencodedx"}));
  EXPECT_FALSE(check({"application/x-www-form-urlencoded", "application/x-www-form-urlencoded"}));
}

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
