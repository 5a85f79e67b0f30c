// libFuzzer target: qz::server::parse_request_head and decode_chunked_body (server/http_parse.h).
//
// Checks, for every input: the parser answers without reading outside it; a complete head has a size within the
// input and the head limit, views inside the input, a method and a target, version 1.0 or 1.1; an error carries
// one of the documented statuses and a message. Split: every prefix shorter than a complete head is incomplete,
// and a prefix that is complete parses to the same head. A chunked body decodes within the body limit and says
// how many bytes it took, within the input; its prefixes never decode to a different body.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/assert.h"
#include "server/http_parse.h"

namespace {

using qz::server::HttpParse;

const qz::server::HttpLimits kLimits{.max_head_bytes = 1024, .max_body_bytes = 512};

bool inside(std::string_view part, std::string_view whole) {
  return part.empty() || (part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  qz::server::HttpRequestHead head;
  qz::server::HttpParseError error;
  const HttpParse result = qz::server::parse_request_head(bytes, kLimits, &head, &error);
  if (result == HttpParse::error) {
    QZ_ASSERT(error.status == 400 || error.status == 413 || error.status == 431 || error.status == 501 ||
              error.status == 505);
    QZ_ASSERT(error.message != nullptr && error.message[0] != '\0');
  }
  if (result == HttpParse::complete) {
    QZ_ASSERT(head.head_size >= 4 && head.head_size <= size && head.head_size <= kLimits.max_head_bytes);
    QZ_ASSERT(bytes.substr(head.head_size - 4, 4) == "\r\n\r\n");
    QZ_ASSERT(!head.method.empty() && !head.target.empty());
    QZ_ASSERT(head.minor_version == 0 || head.minor_version == 1);
    QZ_ASSERT(head.content_length <= kLimits.max_body_bytes);
    QZ_ASSERT(!(head.chunked && head.content_length != 0));
    for (const std::string_view part : {head.method, head.target, head.content_type, head.api_key,
                                        head.websocket_key, head.websocket_version}) {
      QZ_ASSERT(inside(part, bytes));
    }
    // Split: shorter prefixes wait for more; longer ones give the same head.
    const size_t cuts[] = {0, head.head_size / 2, head.head_size - 1, head.head_size, size};
    for (const size_t cut : cuts) {
      qz::server::HttpRequestHead part;
      const HttpParse r = qz::server::parse_request_head(bytes.substr(0, cut), kLimits, &part, &error);
      if (cut < head.head_size) {
        QZ_ASSERT(r == HttpParse::incomplete);
      } else {
        QZ_ASSERT(r == HttpParse::complete && part.head_size == head.head_size && part.target == head.target);
      }
    }
  }

  // The input as a chunked body.
  std::string body;
  size_t used = 0;
  const HttpParse chunked = qz::server::decode_chunked_body(bytes, kLimits, &body, &used, &error);
  if (chunked == HttpParse::complete) {
    QZ_ASSERT(used <= size && body.size() <= kLimits.max_body_bytes);
    std::string again;
    size_t used_again = 0;
    const HttpParse prefix =
        qz::server::decode_chunked_body(bytes.substr(0, used), kLimits, &again, &used_again, &error);
    QZ_ASSERT(prefix == HttpParse::complete && again == body && used_again == used);
    if (used > 0) {
      QZ_ASSERT(qz::server::decode_chunked_body(bytes.substr(0, used - 1), kLimits, &again, &used_again, &error) !=
                HttpParse::complete);
    }
  }
  return 0;
}
