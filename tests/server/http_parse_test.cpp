// The server's HTTP/1.1 parser and response heads (server/http_parse.h): what a request head yields, what is
// refused with which status, chunked bodies, and that a head split at any byte parses the same.
#include "server/http_parse.h"

#include <gtest/gtest.h>

#include <string>

namespace qz::server {
namespace {

const HttpLimits kLimits{.max_head_bytes = 8 * 1024, .max_body_bytes = 64 * 1024};

struct Parsed {
  HttpParse result;
  HttpRequestHead head;
  HttpParseError error;
};

Parsed parse(std::string_view bytes, const HttpLimits& limits = kLimits) {
  Parsed p{};
  p.result = parse_request_head(bytes, limits, &p.head, &p.error);
  return p;
}

int refused_with(std::string_view bytes) {
  const Parsed p = parse(bytes);
  return p.result == HttpParse::error ? p.error.status : 0;
}

TEST(HttpParse, ARequestHeadYieldsItsFields) {
  const std::string text =
      "POST /api/v3/order?symbol=BTCKZT HTTP/1.1\r\nHost: 127.0.0.1\r\nx-mbx-apikey:  KEY123 \r\n"
      "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: 5\r\n\r\nabcdeGET";
  const Parsed p = parse(text);
  ASSERT_EQ(p.result, HttpParse::complete);
  EXPECT_EQ(p.head.method, "POST");
  EXPECT_EQ(p.head.target, "/api/v3/order?symbol=BTCKZT");
  EXPECT_EQ(p.head.minor_version, 1);
  EXPECT_TRUE(p.head.keep_alive);
  EXPECT_EQ(p.head.api_key, "KEY123");
  EXPECT_EQ(p.head.content_type, "application/x-www-form-urlencoded");
  EXPECT_EQ(p.head.content_length, 5u);
  EXPECT_FALSE(p.head.chunked);
  EXPECT_FALSE(p.head.websocket_upgrade);
  EXPECT_EQ(text.substr(p.head.head_size, 5), "abcde");
}

TEST(HttpParse, ConnectionRulesFollowTheVersion) {
  EXPECT_TRUE(parse("GET / HTTP/1.1\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nConnection: Close\r\n\r\n").head.keep_alive);
  EXPECT_FALSE(parse("GET / HTTP/1.0\r\n\r\n").head.keep_alive);
  EXPECT_TRUE(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").head.keep_alive);
  EXPECT_EQ(parse("GET / HTTP/1.0\r\n\r\n").head.minor_version, 0);
  // Empty lines before a request are skipped; a pipelined request stays after the head.
  const std::string two = "\r\n\r\nGET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n";
  const Parsed first = parse(two);
  ASSERT_EQ(first.result, HttpParse::complete);
  EXPECT_EQ(first.head.target, "/a");
  EXPECT_EQ(parse(std::string_view(two).substr(first.head.head_size)).head.target, "/b");
}

TEST(HttpParse, WebSocketUpgradesAndExpectContinue) {
  const Parsed ws = parse(
      "GET /ws/btckzt@trade HTTP/1.1\r\nConnection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n");
  ASSERT_EQ(ws.result, HttpParse::complete);
  EXPECT_TRUE(ws.head.websocket_upgrade);
  EXPECT_EQ(ws.head.websocket_key, "dGhlIHNhbXBsZSBub25jZQ==");
  EXPECT_EQ(ws.head.websocket_version, "13");
  EXPECT_FALSE(parse("POST / HTTP/1.1\r\nConnection: upgrade\r\nUpgrade: websocket\r\n\r\n").head.websocket_upgrade);
  EXPECT_FALSE(parse("GET / HTTP/1.1\r\nUpgrade: websocket\r\n\r\n").head.websocket_upgrade);
  EXPECT_TRUE(parse("POST / HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n").head.expect_continue);
}

TEST(HttpParse, BadHeadsAreRefusedWithTheirStatus) {
  EXPECT_EQ(refused_with("THIS IS NOT HTTP\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("\x01\x02garbage"), 400);  // refused before any line end
  EXPECT_EQ(refused_with("GET  / HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET /a b HTTP/1.1\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/1.x\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/2.0\r\n\r\n"), 505);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nHost : x\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nNoColon\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nA: b\x01c\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("GET / HTTP/1.1\r\nA: b\nc\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n"), 0);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"), 400);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"), 501);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: 65537\r\n\r\n"), 413);
  EXPECT_EQ(refused_with("POST / HTTP/1.1\r\nContent-Length: 65536\r\n\r\n"), 0);
  // The head limit, whether or not the head has ended.
  const std::string long_field = "GET / HTTP/1.1\r\nX: " + std::string(9000, 'a');
  EXPECT_EQ(refused_with(long_field), 431);
  EXPECT_EQ(refused_with(long_field + "\r\n\r\n"), 431);
  EXPECT_EQ(parse("GET / HTTP/1.1\r\nHost: x\r\n").result, HttpParse::incomplete);
  EXPECT_EQ(parse("").result, HttpParse::incomplete);
  EXPECT_EQ(parse("\r\n\r").result, HttpParse::incomplete);
}

TEST(HttpParse, AHeadSplitAnywhereParsesTheSame) {
  const std::string text =
      "\r\nPOST /api/v3/order HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\nConnection: close\r\n\r\nxy";
  const Parsed whole = parse(text);
  ASSERT_EQ(whole.result, HttpParse::complete);
  for (size_t cut = 0; cut < whole.head.head_size; cut++) {
    EXPECT_EQ(parse(std::string_view(text).substr(0, cut)).result, HttpParse::incomplete) << cut;
  }
  for (size_t cut = whole.head.head_size; cut <= text.size(); cut++) {
    const Parsed p = parse(std::string_view(text).substr(0, cut));
    ASSERT_EQ(p.result, HttpParse::complete);
    EXPECT_EQ(p.head.head_size, whole.head.head_size);
    EXPECT_FALSE(p.head.keep_alive);
  }
}

TEST(HttpParse, ChunkedBodies) {
  const std::string body = "4\r\nWiki\r\n5;name=value\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nTrailer: x\r\n\r\nNEXT";
  std::string out;
  size_t used = 0;
  HttpParseError error;
  ASSERT_EQ(decode_chunked_body(body, kLimits, &out, &used, &error), HttpParse::complete);
  EXPECT_EQ(out, "Wikipedia in\r\n\r\nchunks.");
  EXPECT_EQ(body.substr(used), "NEXT");
  for (size_t cut = 0; cut < used; cut++) {
    EXPECT_EQ(decode_chunked_body(std::string_view(body).substr(0, cut), kLimits, &out, &used, &error),
              HttpParse::incomplete)
        << cut;
  }
  EXPECT_EQ(decode_chunked_body("zz\r\n", kLimits, &out, &used, &error), HttpParse::error);
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(decode_chunked_body("3\r\nabcX\r\n", kLimits, &out, &used, &error), HttpParse::error);
  EXPECT_EQ(decode_chunked_body("-3\r\n", kLimits, &out, &used, &error), HttpParse::error);
  const HttpLimits small{.max_head_bytes = 100, .max_body_bytes = 8};
  EXPECT_EQ(decode_chunked_body("5\r\nabcde\r\n5\r\n", small, &out, &used, &error), HttpParse::error);
  EXPECT_EQ(error.status, 413);
}

TEST(HttpParse, ResponseHeads) {
  std::string out;
  append_response_head(&out, 1, 200, "application/json", {}, 17, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nServer: qazna\r\nContent-Type: application/json\r\nContent-Length: 17\r\n\r\n");
  out.clear();
  append_response_head(&out, 1, 429, "application/json", {{"Retry-After", "12"}, {"X-MBX-USED-WEIGHT-1M", "6001"}},
                       0, false);
  EXPECT_EQ(out,
            "HTTP/1.1 429 Too Many Requests\r\nServer: qazna\r\nContent-Type: application/json\r\nRetry-After: 12\r\n"
            "X-MBX-USED-WEIGHT-1M: 6001\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  out.clear();
  append_response_head(&out, 0, 418, "", {}, 3, true);
  EXPECT_EQ(out, "HTTP/1.0 418 I'm a teapot\r\nServer: qazna\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\n");
}

}  // namespace
}  // namespace qz::server
