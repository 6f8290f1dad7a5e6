// The SMTP dialogue's byte-level pieces: reply parsing, dot-stuffing, EHLO keywords.
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "connectors/mail/internal.h"

namespace gatehouse::connectors::mail::internal {
namespace {

// Every reply the reader yields for `bytes`, fed in one piece, as "code/enhanced" strings; then
// "more" if it waits for bytes, or the error's code.
std::string Replies(const std::string& bytes) {
  ReplyReader reader;
  reader.Feed(bytes);
  std::string out;
  for (;;) {
    Result<std::optional<Reply>> r = reader.Next();
    if (!r.ok()) return out + (r.status().code() == StatusCode::kUnavailable ? "unavailable" : "other");
    if (!r->has_value()) return out + "more";
    out += std::to_string((*r)->code) + "/" + std::to_string((*r)->enhanced) + " ";
  }
}

TEST(SmtpReplyTest, ReadsSingleAndMultiLineReplies) {
  EXPECT_EQ(Replies("250 OK\r\n"), "250/-1 more");
  EXPECT_EQ(Replies("250\r\n"), "250/-1 more");
  EXPECT_EQ(Replies("250-smtp.example\r\n250-PIPELINING\r\n250 8BITMIME\r\n"), "250/-1 more");
  EXPECT_EQ(Replies("550 5.1.1 Mailbox unavailable\r\n"), "550/1 more");
  EXPECT_EQ(Replies("554 5.7.1 Relay access denied\r\n"), "554/7 more");
  EXPECT_EQ(Replies("451 4.3.0 Try again\n"), "451/3 more") << "a bare LF ends a line too";
  EXPECT_EQ(Replies("550 5.7.26 Unauthenticated\r\n"), "550/7 more") << "the subject, not the detail";
  EXPECT_EQ(Replies("550 5.10.1 x\r\n"), "550/10 more");
}

TEST(SmtpReplyTest, PipelinedRepliesComeOutInOrder) {
  EXPECT_EQ(Replies("250 2.1.0 Ok\r\n250 2.1.5 Ok\r\n354 End data with <CR><LF>.<CR><LF>\r\n"), "250/1 250/1 354/-1 more");
  EXPECT_EQ(Replies("250 Ok\r\n550-5.1.1 no\r\n550 5.1.1 such user\r\n503 5.5.1 No recipients\r\n"),
            "250/-1 550/1 503/5 more");
}

TEST(SmtpReplyTest, WaitsForTheRestOfAReply) {
  ReplyReader reader;
  reader.Feed("250-smtp.example\r\n250-PIPE");
  EXPECT_FALSE(reader.Next()->has_value());
  EXPECT_TRUE(reader.HasPending());
  reader.Feed("LINING\r\n250 SIZE 1000\r");
  EXPECT_FALSE(reader.Next()->has_value());
  reader.Feed("\n221 bye");
  Result<std::optional<Reply>> r = reader.Next();
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->code, 250);
  EXPECT_FALSE(reader.Next()->has_value()) << "221 has no line end yet";
  EXPECT_TRUE(reader.HasPending());
}

TEST(SmtpReplyTest, ALineAsLongAsAllowedMayArriveInPieces) {
  // kMaxLine octets and the CR, the LF still to come: not yet too long.
  ReplyReader reader;
  reader.Feed("250 " + std::string(ReplyReader::kMaxLine - 4, 'x') + "\r");
  Result<std::optional<Reply>> r = reader.Next();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(r->has_value());
  reader.Feed("\n");
  r = reader.Next();
  ASSERT_TRUE(r.ok() && r->has_value());
  EXPECT_EQ((*r)->code, 250);
}

TEST(SmtpReplyTest, WhatIsNotSmtpIsUnavailable) {
  EXPECT_EQ(Replies("HTTP/1.1 400 Bad Request\r\n"), "unavailable");
  EXPECT_EQ(Replies("25 OK\r\n"), "unavailable");
  EXPECT_EQ(Replies("250OK\r\n"), "unavailable");
  EXPECT_EQ(Replies("250-a\r\n354 b\r\n"), "unavailable") << "the code changes within a reply";
  EXPECT_EQ(Replies("250 " + std::string(ReplyReader::kMaxLine, 'x') + "\r\n"), "unavailable");
  EXPECT_EQ(Replies(std::string(ReplyReader::kMaxLine + 10, '2')), "unavailable") << "no line end, too long";
  std::string many;
  for (int i = 0; i < ReplyReader::kMaxLines + 1; ++i) many += "250-x\r\n";
  EXPECT_EQ(Replies(many), "unavailable");
}

TEST(SmtpReplyTest, DotStuffing) {
  EXPECT_EQ(DotStuff("a\r\nb\r\n"), "a\r\nb\r\n.\r\n");
  EXPECT_EQ(DotStuff(".a\r\n.\r\n..\r\nb.\r\n"), "..a\r\n..\r\n...\r\nb.\r\n.\r\n");
  EXPECT_EQ(DotStuff("no line end"), "no line end\r\n.\r\n");
  EXPECT_EQ(DotStuff("bare LF\n"), "bare LF\n\r\n.\r\n") << "the end-of-data line follows a CRLF";
  EXPECT_EQ(DotStuff("bare CR\r"), "bare CR\r\r\n.\r\n");
  EXPECT_EQ(DotStuff(""), ".\r\n");
}

TEST(SmtpReplyTest, ExtensionKeywords) {
  EXPECT_TRUE(AnnouncesExtension("250-PIPELINING\r\n", "PIPELINING"));
  EXPECT_TRUE(AnnouncesExtension("250 pipelining\r\n", "PIPELINING"));
  EXPECT_TRUE(AnnouncesExtension("250-SIZE 10240000\r\n", "SIZE"));
  EXPECT_FALSE(AnnouncesExtension("250-PIPELININGX\r\n", "PIPELINING"));
  EXPECT_FALSE(AnnouncesExtension("250-8BITMIME\r\n", "PIPELINING"));
  EXPECT_FALSE(AnnouncesExtension("550 PIPELINING\r\n", "PIPELINING"));
  EXPECT_FALSE(AnnouncesExtension("250-X PIPELINING\r\n", "PIPELINING"));
}

}  // namespace
}  // namespace gatehouse::connectors::mail::internal
