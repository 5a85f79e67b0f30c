// `qazna api`: one signed request to a running venue, for operators and scripts: the native /v1 routes (users,
// keys, assets, markets, deposits, withdrawals) and the trading API alike. Signs like any client (docs/api-auth.md)
// with the operator's key from DIR/keys/operator-api.txt, or the key given.
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>

#include "app/app.h"
#include "server/api_keys.h"
#include "server/params.h"

namespace qz::app {

namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// "http://host:port" -> host and port; false on anything else.
bool split_url(const std::string& url, std::string* host, std::string* port) {
  const std::string prefix = "http://";
  if (!url.starts_with(prefix)) return false;
  const std::string rest = url.substr(prefix.size(), url.find('/', prefix.size()) - prefix.size());
  const size_t colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) return false;
  *host = rest.substr(0, colon);
  *port = rest.substr(colon + 1);
  return true;
}

}  // namespace

int run_api(const ApiArgs& args) {
  std::string key = args.api_key;
  std::string secret = args.secret;
  if (key.empty()) {
    const std::string file = args.data_dir + "/keys/operator-api.txt";
    std::ifstream in(file);
    std::string word;
    if (!(in >> word >> key >> word >> secret)) {
      std::fprintf(stderr, "api: no key given and %s is not readable (start qazna serve once to make it)\n",
                   file.c_str());
      return kExitUsage;
    }
  }
  std::string host;
  std::string port;
  if (!split_url(args.url, &host, &port)) {
    std::fprintf(stderr, "api: --url must look like http://127.0.0.1:8080\n");
    return kExitUsage;
  }
  const http::verb verb = http::string_to_verb(args.method);
  if (verb != http::verb::get && verb != http::verb::post && verb != http::verb::delete_ && verb != http::verb::put) {
    std::fprintf(stderr, "api: method must be GET, POST, PUT or DELETE\n");
    return kExitUsage;
  }
  std::string params;
  for (const std::string& pair : args.params) {
    const size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      std::fprintf(stderr, "api: parameters are name=value, got '%s'\n", pair.c_str());
      return kExitUsage;
    }
    params += (params.empty() ? "" : "&") + server::percent_encode(pair.substr(0, equals)) + "=" +
              server::percent_encode(pair.substr(equals + 1));
  }
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  params += std::string(params.empty() ? "" : "&") + "timestamp=" + std::to_string(now_ms) + "&recvWindow=10000";
  params += "&signature=" + server::hmac_sha256_hex(secret, params);

  const bool in_body = verb == http::verb::post || verb == http::verb::put;
  try {
    asio::io_context io;
    asio::ip::tcp::resolver resolver(io);
    beast::tcp_stream stream(io);
    stream.expires_after(std::chrono::seconds(30));
    stream.connect(resolver.resolve(host, port));
    http::request<http::string_body> request{verb, in_body ? args.path : args.path + "?" + params, 11};
    request.set(http::field::host, host);
    request.set("X-MBX-APIKEY", key);
    if (in_body) {
      request.set(http::field::content_type, "application/x-www-form-urlencoded");
      request.body() = params;
    }
    request.prepare_payload();
    http::write(stream, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream, buffer, response);
    std::printf("%s\n", response.body().c_str());
    if (response.result_int() >= 300) {
      std::fprintf(stderr, "api: HTTP %u\n", response.result_int());
      return kExitRefused;
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "api: %s: %s\n", args.url.c_str(), error.what());
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace qz::app
