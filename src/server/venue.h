// The venue: `qazna serve`'s whole process (DESIGN.md section 2). It owns the journal's Node (its one thread
// sequences, applies and commits), the HTTP/WebSocket server (gateway threads), the API keys, the rate limiter, and the
// projector thread that follows the durable blocks into the market-data view (and history), releases the
// answers waiting for them and feeds the streams.
//
// Request path: an I/O thread parses, authenticates (api_keys.h), rate-limits and validates the request and
// turns it into commands; Node::submit_async sequences them; once their block is durable the projector applies
// it and only then answers, so whatever a client is told is durable and already visible to its next request.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "journal/journal.h"
#include "server/api_keys.h"
#include "server/http_server.h"
#include "server/market_data.h"
#include "server/rate_limits.h"

namespace qz::server {

// The owner id of the venue's own accounts (issuance and fee income of every asset).
inline constexpr uint64_t kVenueOwner = 1;
// The operator user that `qazna serve` creates on first start, with an API key in DIR/keys/operator-api.txt.
inline constexpr uint64_t kOperatorUser = 2;

struct VenueOptions {
  std::string data_dir;
  HttpServerOptions http;
  // The master key that encrypts the API key registry (DIR/keys/api-keys.bin). "" = DIR/keys/api-master.key,
  // created on first start with mode 0600; production keeps it elsewhere.
  std::string master_key_file;
  Clock* clock = nullptr;  // block times and request timestamps; nullptr = the wall clock
  uint32_t max_block_commands = 8192;
  bool verify_on_open = true;
  bool preallocate_journal_wal = false;  // NodeOptions::preallocate_wal: on for qazna serve and demo
  RateLimitConfig rate_limits;
  bool log_requests = false;  // one structured line per request on stderr
  // Durable blocks queued for the projector, and projected blocks queued for history, at most. A full queue
  // holds back the thread that feeds it (the journal thread, or the projector) and, through the journal's
  // bounded queues, new commands: a venue that takes orders faster than it can project them slows down instead
  // of growing without bound.
  size_t max_queued_blocks = 8192;
  // Sanctions and PEP lists (screening::load_directory) that screen withdrawal beneficiaries and the
  // /v1/screening route; "" = none loaded (nothing is screened; /v1/screening answers 503).
  std::string sanctions_lists_dir;
  // Assets that are not crypto: their withdrawals carry no travel-rule record.
  std::vector<std::string> fiat_assets = {"KZT"};
  // Tests: called on the projector's thread before it applies each durable block (it may block, to hold the
  // projection back).
  std::function<void(uint64_t height)> before_projecting;
};

class Venue final : public Handler {
 public:
  // Opens the data directory (recovering the journal), loads the API keys and seeds the views. Does not listen.
  [[nodiscard]] static Status open(const VenueOptions& options, std::unique_ptr<Venue>* out,
                                   RecoveryReport* report);
  ~Venue() override;  // stop()
  Venue(const Venue&) = delete;
  Venue& operator=(const Venue&) = delete;

  // Listens on options.http.
  [[nodiscard]] Status start();
  // Graceful: stop accepting, answer what is in flight, flush the journal, stop every thread. Idempotent.
  void stop();
  uint16_t port() const;

  // The operator's side (the demo, tests, the native API): sequenced like any request, blocking until durable
  // and projected.
  [[nodiscard]] Status submit(std::span<const Command> commands, SubmitResult* result);
  // Records a user (users.db) with a given id; the native API's POST /v1/users picks ids itself.
  [[nodiscard]] Status create_user(uint64_t id, const std::string& name, Role role);
  // Creates an HMAC key and stores the registry.
  [[nodiscard]] Status create_hmac_key(const KeySpec& spec, CreatedHmacKey* out);
  // Registers a given HMAC key (demo keys, tests) and stores the registry.
  [[nodiscard]] Status add_hmac_key(std::string_view key_id, std::string_view secret, const KeySpec& spec);
  const MarketData& market_data() const;
  void with_engine(const std::function<void(const Engine&)>& reader);
  uint64_t now_ms() const;
  uint64_t height() const;  // of the newest durable block

  // Prometheus text (also served at /metrics).
  std::string metrics_text() const;

  // Handler
  void handle(HttpRequest&& request, Responder respond) override;
  bool on_ws_open(const HttpRequest& request, const std::shared_ptr<WsConnection>& connection) override;
  void on_ws_message(const std::shared_ptr<WsConnection>& connection, std::string&& text) override;
  void on_ws_closed(uint64_t connection_id) override;

  struct Impl;  // venue.cpp and the route files only

 private:
  explicit Venue(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace qz::server
