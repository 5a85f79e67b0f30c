// `qazna serve` and `qazna demo`: the venue as a server (src/server/venue.h), until SIGINT or SIGTERM.
#include <pthread.h>
#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <memory>

#include "app/app.h"
#include "server/demo_venue.h"
#include "server/log.h"
#include "server/venue.h"

namespace qz::app {

namespace {

constexpr const char* kVenueDemoMarker = "QAZNA_DEMO_VENUE";

// Blocks SIGINT and SIGTERM in this thread and every thread started after it, so that wait_for_signal (and not
// some worker) receives them.
sigset_t block_stop_signals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  return set;
}

// Waits for SIGINT or SIGTERM, or `seconds` (0 = no limit). Returns the signal's name, or "time".
const char* wait_for_signal(const sigset_t& set, unsigned seconds) {
  for (;;) {
    int received = 0;
    if (seconds == 0) {
      if (sigwait(&set, &received) == 0) return received == SIGINT ? "SIGINT" : "SIGTERM";
      continue;
    }
    timespec timeout{.tv_sec = static_cast<time_t>(seconds), .tv_nsec = 0};
    const int signal_number = sigtimedwait(&set, nullptr, &timeout);
    if (signal_number == SIGINT) return "SIGINT";
    if (signal_number == SIGTERM) return "SIGTERM";
    if (signal_number < 0 && errno == EAGAIN) return "time";
  }
}

server::VenueOptions venue_options(const std::string& data_dir, const std::string& address, uint16_t port,
                                   unsigned threads, bool log_requests) {
  server::VenueOptions options;
  options.data_dir = data_dir;
  options.http.address = address;
  options.http.port = port;
  options.http.threads = threads == 0 ? server::default_io_threads() : threads;
  options.log_requests = log_requests;
  options.preallocate_journal_wal = true;
  return options;
}

}  // namespace

int run_serve(const ServeArgs& args) {
  const sigset_t signals = block_stop_signals();
  RecoveryReport report;
  std::unique_ptr<server::Venue> venue;
  server::VenueOptions options = venue_options(args.data_dir, args.address, args.port, args.threads, args.log_requests);
  options.sanctions_lists_dir = args.sanctions_dir;
  Status status = server::Venue::open(options, &venue, &report);
  if (!status.is_ok()) {
    server::LogLine(server::LogLevel::error, "open_failed").field("message", status.message());
    return kExitFailure;
  }
  if (report.truncated_tail) {
    server::LogLine(server::LogLevel::warn, "journal_tail_cut").field("message", report.tail_message);
  }
  status = venue->start();
  if (!status.is_ok()) {
    server::LogLine(server::LogLevel::error, "listen_failed").field("message", status.message());
    return kExitFailure;
  }
  server::LogLine(server::LogLevel::info, "listening")
      .field("data", std::string_view(args.data_dir))
      .field("address", std::string_view(args.address))
      .field("port", venue->port())
      .field("height", report.height)
      .field("allocator", server::allocator_name());
  std::printf("qazna serve: %s at height %llu, listening on http://%s:%u (SIGINT or SIGTERM stops it)\n",
              args.data_dir.c_str(), static_cast<unsigned long long>(report.height), args.address.c_str(),
              venue->port());
  std::printf("qazna serve: the operator's API key is in %s/keys/operator-api.txt (qazna api uses it)\n",
              args.data_dir.c_str());
  std::fflush(stdout);
  const char* why = wait_for_signal(signals, args.seconds);
  std::printf("qazna serve: %s: draining and stopping\n", why);
  std::fflush(stdout);
  server::LogLine(server::LogLevel::info, "stopping").field("reason", why);
  venue->stop();
  server::LogLine(server::LogLevel::info, "stopped").field("height", venue->height());
  std::printf("qazna serve: stopped; the journal is flushed\n");
  return kExitOk;
}

int run_venue_demo(const VenueDemoArgs& args) {
  const sigset_t signals = block_stop_signals();
  const std::string& dir = args.data_dir;
  Status status = prepare_demo_directory(dir, kVenueDemoMarker, "demo");
  if (!status.is_ok()) {
    std::fprintf(stderr, "demo: %s\n", status.message().c_str());
    return kExitRefused;
  }
  status = init_data_dir(InitOptions{.data_dir = dir});
  if (!status.is_ok()) {
    std::fprintf(stderr, "demo: %s\n", status.message().c_str());
    return kExitFailure;
  }
  mark_demo_directory(dir, kVenueDemoMarker, "demo");
  RecoveryReport report;
  std::unique_ptr<server::Venue> venue;
  status = server::Venue::open(venue_options(dir, args.address, args.port, args.threads, false), &venue, &report);
  if (status.is_ok()) status = venue->start();
  server::DemoSetup setup;
  if (status.is_ok()) status = server::set_up_demo(venue.get(), &setup);
  if (!status.is_ok()) {
    std::fprintf(stderr, "demo: %s\n", status.message().c_str());
    return kExitFailure;
  }
  server::MarketMaker maker(venue.get(), setup, 0x0A1AFA11);
  maker.start();

  const std::string url = "http://" + args.address + ":" + std::to_string(venue->port());
  std::printf("Qazna demo venue: %s (data in %s)\n\n", url.c_str(), dir.c_str());
  std::printf("markets:");
  for (const server::DemoMarket& market : setup.markets) std::printf(" %s", market.symbol.c_str());
  std::printf("\n(a market maker inside the process keeps both sides quoted and trades printing)\n\n");
  std::printf("demo traders (read and trade; the secrets are shown only now):\n");
  for (const server::DemoTrader& trader : setup.traders) {
    std::printf("  %-10s user %llu  apiKey %s\n             secret %s\n", trader.name.c_str(),
                static_cast<unsigned long long>(trader.user), trader.api_key.c_str(), trader.secret.c_str());
  }
  std::printf("\noperator: API key in %s/keys/operator-api.txt; e.g. qazna api --url %s --data %s GET /v1/users\n",
              dir.c_str(), url.c_str(), dir.c_str());
  const server::DemoTrader& first = setup.traders.front();
  std::printf(
      "\ntry it with ccxt (npm install ccxt), in node:\n\n"
      "  const ccxt = require('ccxt');\n"
      "  const ex = new ccxt.binance({ apiKey: '%s', secret: '%s',\n"
      "    options: { defaultType: 'spot', fetchMarkets: { types: ['spot'] }, fetchCurrencies: false,\n"
      "               fetchMargins: false } });\n"
      "  for (const k of Object.keys(ex.urls.api)) if (typeof ex.urls.api[k] === 'string')\n"
      "    ex.urls.api[k] = '%s' + new URL(ex.urls.api[k]).pathname;\n"
      "  ex.fetchOrderBook('BTC/KZT', 5).then(console.log);\n"
      "  ex.createOrder('BTC/KZT', 'limit', 'buy', 0.01, 50000000).then(console.log);\n\n"
      "or: curl '%s/api/v3/depth?symbol=BTCKZT&limit=5'\n\n"
      "Ctrl-C stops the venue.\n",
      first.api_key.c_str(), first.secret.c_str(), url.c_str(), url.c_str());
  std::fflush(stdout);
  const char* why = wait_for_signal(signals, args.seconds);
  std::printf("demo: %s: stopping the market maker and the venue\n", why);
  maker.stop();
  venue->stop();
  std::printf("demo: stopped after %llu market-maker rounds; the journal in %s verifies with `qazna verify --data %s`\n",
              static_cast<unsigned long long>(maker.rounds()), dir.c_str(), dir.c_str());
  return kExitOk;
}

}  // namespace qz::app
