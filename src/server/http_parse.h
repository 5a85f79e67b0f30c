// HTTP/1.1 requests and responses as bytes (RFC 9110, RFC 9112): the parser the server's sessions read with, and
// the response head they write. No I/O here; a session keeps its bytes in one buffer and parses in place.
//
// Parsing is incremental: parse_request_head() looks at everything received so far and says whether a whole
// request head is there, whether more bytes are needed, or what is wrong (with the status to answer). The body
// follows the head: Content-Length bytes, or chunked (decode_chunked_body). What is refused, and how:
// - 400: a request line that is not `method SP target SP HTTP/1.x CRLF` (method a token, target visible ASCII);
//   a header line without a colon, with whitespace before the colon, folded (obs-fold), or holding a control
//   byte; a Content-Length that is not digits, or two that disagree; Content-Length together with
//   Transfer-Encoding; a chunked body that is malformed.
// - 431: a head over the head limit (counted to the end of its blank line).
// - 413: a Content-Length, or a chunked body, over the body limit.
// - 501: a transfer coding other than chunked; 505: an HTTP version other than 1.0 and 1.1.
// Empty lines before a request line are skipped (RFC 9112 section 2.2).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qz::server {

struct HttpLimits {
  size_t max_head_bytes = 8 * 1024;
  size_t max_body_bytes = 64 * 1024;
};

// A request head; the views point into the parsed bytes.
struct HttpRequestHead {
  size_t head_size = 0;  // bytes from the start of the buffer through the blank line (skipped empty lines included)
  std::string_view method;
  std::string_view target;
  int minor_version = 1;  // HTTP/1.0 or HTTP/1.1
  bool keep_alive = true;  // 1.1 unless "Connection: close"; 1.0 only with "Connection: keep-alive"
  bool chunked = false;    // Transfer-Encoding: chunked
  size_t content_length = 0;
  bool expect_continue = false;     // Expect: 100-continue
  bool websocket_upgrade = false;   // Connection has "upgrade" and Upgrade has "websocket" (GET only)
  std::string_view content_type;    // "" when absent
  std::string_view api_key;         // X-MBX-APIKEY
  std::string_view websocket_key;   // Sec-WebSocket-Key
  std::string_view websocket_version;
};

enum class HttpParse { incomplete, complete, error };

struct HttpParseError {
  int status = 400;
  const char* message = "Malformed request.";
};

[[nodiscard]] HttpParse parse_request_head(std::string_view bytes, const HttpLimits& limits, HttpRequestHead* head,
                                           HttpParseError* error);

// Decodes a chunked body from `bytes` (which start right after the head) into *body. On complete, *consumed is
// the number of bytes the body took, trailers and final blank line included (trailer fields are skipped).
[[nodiscard]] HttpParse decode_chunked_body(std::string_view bytes, const HttpLimits& limits, std::string* body,
                                            size_t* consumed, HttpParseError* error);

// The reason phrase of a status code ("OK", "Too Many Requests", ...); "Unknown" for codes the server never sends.
const char* http_reason(int status);

// Text the server spells as a string literal (a header's name, a content type), kept as a view: the constructor
// runs at compile time, so only a literal or other constant array can make one, and the view cannot dangle when a
// response moves to another thread.
class LiteralText {
 public:
  template <size_t N>
  consteval LiteralText(const char (&text)[N]) : text_(text, N - 1) {}  // NOLINT: implicit, from a literal
  constexpr std::string_view view() const { return text_; }

 private:
  std::string_view text_;
};

// An extra response header.
struct HttpHeader {
  LiteralText name;
  std::string value;
};

// Appends a response head to *out: the status line (HTTP/1.<minor_version>), Server, Content-Type, the extra
// headers, Content-Length and, as needed, Connection (close; or keep-alive for an HTTP/1.0 client), then the
// blank line.
void append_response_head(std::string* out, int minor_version, int status, std::string_view content_type,
                          const std::vector<HttpHeader>& extra, size_t content_length, bool keep_alive);

}  // namespace qz::server
