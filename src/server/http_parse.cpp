#include "server/http_parse.h"

#include <charconv>

namespace qz::server {

namespace {

// RFC 9110 section 5.6.2: tchar.
bool is_tchar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  switch (c) {
    case '!': case '#': case '$': case '%': case '&': case '\'': case '*': case '+': case '-': case '.': case '^':
    case '_': case '`': case '|': case '~': return true;
    default: return false;
  }
}

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Whether a comma-separated header value lists `token` (case-insensitive).
bool lists_token(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    const size_t comma = value.find(',');
    if (iequals(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

bool parse_size(std::string_view digits, size_t* out) {
  if (digits.empty()) return false;
  for (const char c : digits) {
    if (c < '0' || c > '9') return false;
  }
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), *out);
  return ec == std::errc() && end == digits.data() + digits.size();
}

HttpParse fail(HttpParseError* error, int status, const char* message) {
  *error = HttpParseError{.status = status, .message = message};
  return HttpParse::error;
}

}  // namespace

HttpParse parse_request_head(std::string_view bytes, const HttpLimits& limits, HttpRequestHead* head,
                             HttpParseError* error) {
  *head = HttpRequestHead{};
  size_t at = 0;
  while (bytes.substr(at, 2) == "\r\n") at += 2;  // empty lines before the request
  if (at == bytes.size() || bytes.substr(at) == "\r") return HttpParse::incomplete;

  // The whole head must be here (its end is the first empty line) before anything is taken from it.
  const size_t end = bytes.find("\r\n\r\n", at);
  if (end == std::string_view::npos) {
    if (bytes.size() > limits.max_head_bytes) return fail(error, 431, "Request header fields too large.");
    // Refuse what can never become a request line early, so garbage does not wait for the timeout.
    for (size_t i = at; i < bytes.size() && bytes[i] != ' '; i++) {
      if (!is_tchar(bytes[i])) return fail(error, 400, "Malformed request.");
    }
    return HttpParse::incomplete;
  }
  head->head_size = end + 4;
  if (head->head_size > limits.max_head_bytes) return fail(error, 431, "Request header fields too large.");

  // Request line.
  const size_t line_end = bytes.find("\r\n", at);
  std::string_view line = bytes.substr(at, line_end - at);
  const size_t sp1 = line.find(' ');
  if (sp1 == std::string_view::npos || sp1 == 0) return fail(error, 400, "Malformed request.");
  head->method = line.substr(0, sp1);
  for (const char c : head->method) {
    if (!is_tchar(c)) return fail(error, 400, "Malformed request.");
  }
  const size_t sp2 = line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || sp2 == sp1 + 1) return fail(error, 400, "Malformed request.");
  head->target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  for (const char c : head->target) {
    if (static_cast<unsigned char>(c) <= 0x20 || static_cast<unsigned char>(c) >= 0x7F) {
      return fail(error, 400, "Malformed request.");
    }
  }
  const std::string_view version = line.substr(sp2 + 1);
  if (version.size() != 8 || version.substr(0, 5) != "HTTP/" || version[6] != '.' || version[5] < '0' ||
      version[5] > '9' || version[7] < '0' || version[7] > '9') {
    return fail(error, 400, "Malformed request.");
  }
  if (version[5] != '1' || (version[7] != '0' && version[7] != '1')) {
    return fail(error, 505, "HTTP version not supported.");
  }
  head->minor_version = version[7] - '0';

  // Header fields.
  bool have_length = false;
  bool have_encoding = false;
  bool connection_close = false;
  bool connection_keep_alive = false;
  bool connection_upgrade = false;
  bool upgrade_websocket = false;
  size_t pos = line_end + 2;
  while (pos < end + 2) {
    const size_t eol = bytes.find("\r\n", pos);
    const std::string_view field = bytes.substr(pos, eol - pos);
    pos = eol + 2;
    if (field.front() == ' ' || field.front() == '\t') return fail(error, 400, "Malformed request.");  // obs-fold
    const size_t colon = field.find(':');
    if (colon == std::string_view::npos || colon == 0) return fail(error, 400, "Malformed request.");
    const std::string_view name = field.substr(0, colon);
    for (const char c : name) {
      if (!is_tchar(c)) return fail(error, 400, "Malformed request.");
    }
    const std::string_view value = trim(field.substr(colon + 1));
    for (const char c : value) {
      const auto u = static_cast<unsigned char>(c);
      if ((u < 0x20 && c != '\t') || u == 0x7F) return fail(error, 400, "Malformed request.");
    }
    if (iequals(name, "content-length")) {
      size_t length = 0;
      if (!parse_size(value, &length)) return fail(error, 400, "Malformed request.");
      if (have_length && length != head->content_length) return fail(error, 400, "Malformed request.");
      have_length = true;
      head->content_length = length;
    } else if (iequals(name, "transfer-encoding")) {
      if (!iequals(value, "chunked") || have_encoding) return fail(error, 501, "Transfer coding not supported.");
      have_encoding = true;
    } else if (iequals(name, "connection")) {
      connection_close = connection_close || lists_token(value, "close");
      connection_keep_alive = connection_keep_alive || lists_token(value, "keep-alive");
      connection_upgrade = connection_upgrade || lists_token(value, "upgrade");
    } else if (iequals(name, "upgrade")) {
      upgrade_websocket = upgrade_websocket || lists_token(value, "websocket");
    } else if (iequals(name, "content-type")) {
      head->content_type = value;
    } else if (iequals(name, "x-mbx-apikey")) {
      head->api_key = value;
    } else if (iequals(name, "sec-websocket-key")) {
      head->websocket_key = value;
    } else if (iequals(name, "sec-websocket-version")) {
      head->websocket_version = value;
    } else if (iequals(name, "expect")) {
      head->expect_continue = iequals(value, "100-continue");
    }
  }
  if (have_length && have_encoding) return fail(error, 400, "Malformed request.");
  head->chunked = have_encoding;
  if (head->content_length > limits.max_body_bytes) return fail(error, 413, "Request body too large.");
  head->keep_alive = head->minor_version == 1 ? !connection_close : connection_keep_alive && !connection_close;
  head->websocket_upgrade =
      connection_upgrade && upgrade_websocket && head->method == "GET" && head->minor_version == 1;
  return HttpParse::complete;
}

HttpParse decode_chunked_body(std::string_view bytes, const HttpLimits& limits, std::string* body, size_t* consumed,
                              HttpParseError* error) {
  body->clear();
  size_t at = 0;
  while (true) {
    // chunk-size [; extensions] CRLF
    const size_t eol = bytes.find("\r\n", at);
    if (eol == std::string_view::npos) {
      if (bytes.size() - at > 1024) return fail(error, 400, "Malformed request.");
      return HttpParse::incomplete;
    }
    std::string_view size_text = bytes.substr(at, eol - at);
    if (const size_t semi = size_text.find(';'); semi != std::string_view::npos) size_text = size_text.substr(0, semi);
    size_text = trim(size_text);
    size_t size = 0;
    const auto [end, ec] = std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || ec != std::errc() || end != size_text.data() + size_text.size()) {
      return fail(error, 400, "Malformed request.");
    }
    if (size > limits.max_body_bytes - body->size()) return fail(error, 413, "Request body too large.");
    at = eol + 2;
    if (size == 0) break;
    if (bytes.size() - at < size + 2) return HttpParse::incomplete;
    if (bytes.substr(at + size, 2) != "\r\n") return fail(error, 400, "Malformed request.");
    body->append(bytes.substr(at, size));
    at += size + 2;
  }
  // Trailer fields, skipped, then the final empty line.
  while (true) {
    const size_t eol = bytes.find("\r\n", at);
    if (eol == std::string_view::npos) {
      if (bytes.size() - at > limits.max_head_bytes) return fail(error, 431, "Request header fields too large.");
      return HttpParse::incomplete;
    }
    const bool last = eol == at;
    at = eol + 2;
    if (last) break;
  }
  *consumed = at;
  return HttpParse::complete;
}

const char* http_reason(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 413: return "Payload Too Large";
    case 415: return "Unsupported Media Type";
    case 418: return "I'm a teapot";
    case 422: return "Unprocessable Content";
    case 429: return "Too Many Requests";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    case 505: return "HTTP Version Not Supported";
    default: return "Unknown";
  }
}

void append_response_head(std::string* out, int minor_version, int status, std::string_view content_type,
                          const std::vector<HttpHeader>& extra, size_t content_length, bool keep_alive) {
  char number[24];
  out->append(minor_version == 0 ? "HTTP/1.0 " : "HTTP/1.1 ");
  out->append(number, std::to_chars(number, number + sizeof number, status).ptr);
  out->append(" ").append(http_reason(status)).append("\r\nServer: qazna\r\n");
  if (!content_type.empty()) out->append("Content-Type: ").append(content_type).append("\r\n");
  for (const HttpHeader& header : extra)
    out->append(header.name.view()).append(": ").append(header.value).append("\r\n");
  out->append("Content-Length: ").append(number, std::to_chars(number, number + sizeof number, content_length).ptr);
  out->append("\r\n");
  if (!keep_alive) {
    out->append("Connection: close\r\n");
  } else if (minor_version == 0) {
    out->append("Connection: keep-alive\r\n");
  }
  out->append("\r\n");
}

}  // namespace qz::server
