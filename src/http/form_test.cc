#include "http/form.h"

#include <gtest/gtest.h>

namespace gatehouse::http {
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

Request WithContentType(std::vector<std::string>* storage) {
  Request r;
  for (const auto& v : *storage) r.headers.push_back({"Content-Type", v});
  return r;
}

TEST(Form, ContentType) {
  auto check = [](std::vector<std::string> values) {
    Request r = WithContentType(&values);
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

}  // namespace
}  // namespace gatehouse::http
