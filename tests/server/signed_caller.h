// What the server tests that call the native API share: a signing client for one user's API key over one
// keep-alive HTTP connection (HMAC-SHA256 over the form parameters with a timestamp, docs/api-auth.md), and small
// readers of JSON answers.
#pragma once

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "server/api_keys.h"

namespace qz::server {

struct Reply {
  int status = 0;
  std::string body;
};

using Params = std::vector<std::pair<std::string, std::string>>;

// Milliseconds since the Unix epoch, from the wall clock.
inline int64_t wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// A signing client for one user's key over one keep-alive connection. `now_ms` gives the requests' timestamps
// (a test that runs the venue on a clock of its own signs with the same clock).
class Caller {
 public:
  Caller(uint16_t port, std::string key, std::string secret, std::function<int64_t()> now_ms = wall_clock_ms)
      : socket_(io_), key_(std::move(key)), secret_(std::move(secret)), now_ms_(std::move(now_ms)) {
    boost::asio::ip::tcp::resolver resolver(io_);
    boost::asio::connect(socket_, resolver.resolve("127.0.0.1", std::to_string(port)));
  }
  // `params` are sent URL-encoded in the body (POST) or query (GET), signed.
  Reply call(boost::beast::http::verb verb, const std::string& path, const Params& params) {
    std::string encoded = encode(params);
    encoded += (encoded.empty() ? "" : "&") + std::string("timestamp=") + std::to_string(now_ms_());
    encoded += "&signature=" + hmac_sha256_hex(secret_, encoded);
    return send(verb, path, encoded, key_);
  }
  // The same request without timestamp and signature; with `key` false, without the API key header too.
  Reply call_unsigned(boost::beast::http::verb verb, const std::string& path, const Params& params, bool key) {
    return send(verb, path, encode(params), key ? key_ : "");
  }
  Reply get(const std::string& path, const Params& params = {}) {
    return call(boost::beast::http::verb::get, path, params);
  }
  Reply post(const std::string& path, const Params& params = {}) {
    return call(boost::beast::http::verb::post, path, params);
  }

 private:
  Reply send(boost::beast::http::verb verb, const std::string& path, const std::string& encoded,
             const std::string& key) {
    namespace http = boost::beast::http;
    const bool post = verb != http::verb::get;
    http::request<http::string_body> request{verb, post || encoded.empty() ? path : path + "?" + encoded, 11};
    request.set(http::field::host, "127.0.0.1");
    if (!key.empty()) request.set("X-MBX-APIKEY", key);
    if (post) {
      request.set(http::field::content_type, "application/x-www-form-urlencoded");
      request.body() = encoded;
    }
    request.prepare_payload();
    http::write(socket_, request);
    http::response<http::string_body> response;
    http::read(socket_, buffer_, response);
    return Reply{.status = static_cast<int>(response.result_int()), .body = response.body()};
  }
  static std::string encode(const Params& params) {
    std::string encoded;
    for (const auto& [name, value] : params) encoded += (encoded.empty() ? "" : "&") + name + "=" + escape(value);
    return encoded;
  }
  static std::string escape(const std::string& text) {
    static const char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (const char c : text) {
      const auto byte = static_cast<unsigned char>(c);
      if (std::isalnum(byte) || c == '-' || c == '_' || c == '.' || c == '~') {
        out.push_back(c);
      } else {
        out += {'%', kHex[byte >> 4], kHex[byte & 15]};
      }
    }
    return out;
  }

  boost::asio::io_context io_;
  boost::asio::ip::tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  std::string key_;
  std::string secret_;
  std::function<int64_t()> now_ms_;
};

inline bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// The integer after the first "key": in a JSON text (-1 when absent).
inline int64_t json_int(const std::string& text, const std::string& key) {
  const size_t at = text.find("\"" + key + "\":");
  if (at == std::string::npos) return -1;
  return std::stoll(text.substr(at + key.size() + 3));
}

// The string after the first "name":" in a JSON text.
inline std::string json_text(const std::string& body, const std::string& name) {
  const size_t at = body.find("\"" + name + "\":\"") + name.size() + 4;
  return body.substr(at, body.find('"', at) - at);
}

}  // namespace qz::server
