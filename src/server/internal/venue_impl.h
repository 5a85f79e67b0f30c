// The venue's insides, shared by venue.cpp (life cycle, projector, dispatch) and the route files.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/flat_map.h"
#include "history/history.h"
#include "server/internal/compliance.h"
#include "server/streams.h"
#include "server/venue.h"
#include "sqlite/sqlite.h"

namespace qz::server {

// One request on its way through a route.
struct Call {
  HttpRequest request;
  Responder respond;
  RequestParams params;
  const RouteSpec* route = nullptr;
  IpAddress ip;
  KeyIdentity identity;  // when the route is signed or keyed
  int64_t now_ms = 0;
  std::chrono::steady_clock::time_point arrived = std::chrono::steady_clock::now();  // for latency metrics
  std::vector<Header> headers;  // rate-limit headers to send
};
using CallPtr = std::shared_ptr<Call>;

// Counters for /metrics.
struct VenueMetrics {
  struct Route {
    std::atomic<uint64_t> requests{0};
    std::atomic<uint64_t> errors{0};
    std::atomic<uint64_t> latency_us_sum{0};
    std::atomic<uint64_t> buckets[8]{};  // <= 0.25, 0.5, 1, 2, 5, 10, 50 ms, +Inf
  };
  static constexpr double kBucketMs[7] = {0.25, 0.5, 1, 2, 5, 10, 50};
  std::map<std::string, std::unique_ptr<Route>> routes;  // "GET /api/v3/order"; filled at start, then read-only
  std::vector<Route*> binance_routes;  // the same, by index in binance_routes(): no lookup on the request path
  std::atomic<uint64_t> orders_placed{0};
  std::atomic<uint64_t> orders_rejected{0};
  std::atomic<uint64_t> trades{0};
  std::atomic<uint64_t> blocks_projected{0};
  std::atomic<uint64_t> commit_us_sum{0};  // durable latency of submissions (submit -> durable callback)
  std::atomic<uint64_t> commits{0};
};

// Codes of the native API's own refusals; the engine's refusals carry its result codes (docs/result-codes.md).
enum NativeError : int {
  kBadParameter = 1001,     // 400: missing or malformed parameter
  kUnauthenticated = 1002,  // 401: no, unknown or badly signed key
  kForbidden = 1003,        // 403: the key's role or permissions do not allow this route
  kNotFound = 1004,         // 404: no such route, user, asset, market or withdrawal
  kConflict = 1005,         // 409: exists already, or in the wrong state
  kUnavailable = 1006,      // 503: the journal failed or the venue is stopping
};

// A native route: who may call it.
struct NativeRoute {
  std::string_view method;
  std::string_view path;
  Permission permission;
  uint32_t roles;  // bits of the roles allowed (role_bit); 0 = any role
};
constexpr uint32_t role_bit(Role role) { return uint32_t{1} << static_cast<uint32_t>(role); }

// The compliance routes (compliance_routes.cpp): clients, screening, alerts, cases, reports, travel rule.
std::span<const NativeRoute> compliance_routes();
// The digital tenge routes (cbdc_routes.cpp): one POST per money command, wallets, programs, program reports.
std::span<const NativeRoute> cbdc_routes();

// Writes a file whole or not at all, mode 0600 (temporary, fsync, rename).
Status write_private_file(const std::string& path, std::string_view text);

// A user of the venue (users.db): who an API key belongs to.
struct UserRow {
  uint64_t id = 0;
  std::string name;
  Role role = Role::none;
  int64_t created_ms = 0;
};

struct Venue::Impl {
  VenueOptions options;
  Clock* clock = nullptr;
  std::unique_ptr<Node> node;
  MarketData market{1000};
  StreamHub streams{&market};

  // API keys: read by every request, written by operators.
  mutable std::shared_mutex keys_mutex;
  std::unique_ptr<ApiKeyRegistry> keys;
  std::string keys_file;
  std::vector<uint8_t> master_key_bytes;

  std::mutex limiter_mutex;
  RateLimiter limiter;

  // Projector: durable blocks in, answers and stream messages out.
  struct Durable {
    Block block;
    std::vector<Event> events;
  };
  std::mutex projector_mutex;
  std::condition_variable projector_cv;
  std::condition_variable projector_space_cv;  // the writer waits here while the queue is full
  std::deque<Durable> projector_queue;
  bool projector_stopping = false;
  bool projector_done = false;  // drained and ended: nobody waits any more
  std::thread projector;
  uint64_t projected_height = 0;  // under projector_mutex
  std::multimap<uint64_t, std::function<void()>> waiters;  // by height, under projector_mutex
  std::map<uint64_t, int64_t> block_times_ms;  // recent heights -> block time (ms), under projector_mutex

  // History (history.h): written by a thread of its own that follows the projector and commits in batches, so
  // no answer waits for SQLite. A route that reads history first waits until history has committed what its
  // caller was already told (when_history): the height of the caller's newest acknowledged order, or for public
  // routes the height projected when the request arrived.
  std::mutex history_queue_mutex;
  std::condition_variable history_cv;
  std::condition_variable history_space_cv;  // the projector waits here while the queue is full
  std::deque<Durable> history_queue;  // projected, not yet written
  bool history_stopping = false;
  bool history_done = false;  // the thread has ended: nobody waits any more
  bool history_idle = false;  // the thread sleeps with nothing queued (the next block must wake it)
  std::thread history_thread;
  // The history thread's scheduling (run_history): SCHED_IDLE while it keeps up, its nice value when it is urgent.
  std::mutex history_policy_mutex;
  pid_t history_tid = 0;          // under history_policy_mutex; 0 until the thread runs
  bool history_urgent = true;     // under history_policy_mutex: the policy last set
  bool history_can_urge = true;   // under history_policy_mutex: false once leaving SCHED_IDLE was refused
  uint64_t history_height = 0;  // committed; under history_queue_mutex
  std::multimap<uint64_t, std::function<void()>> history_waiters;  // by height, under history_queue_mutex
  // The reader: runs what waited for history (the history routes' reads), so that reads neither run on the
  // history thread nor hold up its commits.
  std::mutex reader_mutex;
  std::condition_variable reader_cv;
  std::deque<std::function<void()>> reader_queue;
  bool reader_stopping = false;
  std::thread reader_thread;
  std::mutex acknowledged_mutex;
  std::unordered_map<uint64_t, uint64_t> acknowledged;  // owner -> height of the newest order answer it was sent
  // The journal writer's own (on_durable; no lock): the owner of every open order, so that a block which fills
  // or ends an order acknowledges its owner at that height too. A maker's next signed read then waits for
  // history to hold the fill, however it heard of it (the taker's answer, a trade stream, a depth change, or
  // nothing at all).
  FlatMap<uint64_t> open_order_owner;    // no allocation per order, as an unordered_map makes
  std::vector<uint64_t> touched_owners;  // scratch for one block
  void acknowledge_order_owners(const Block& block, std::span<const Event> events);
  std::unique_ptr<history::HistoryWriter> history_writer;
  std::string history_state_path;  // DIR/history.state
  std::string boot_id;             // this boot of the machine (/proc/sys/kernel/random/boot_id)
  std::mutex history_mutex;  // the reader's connection is one thread's at a time (the writer has its own)
  std::unique_ptr<history::HistoryReader> history_reader;
  std::atomic<bool> history_failed{false};
  std::string history_error;  // under history_mutex

  // Compliance (compliance_routes.cpp).
  std::unique_ptr<Compliance> compliance;

  // Users (DIR/users.db).
  std::mutex users_mutex;
  std::unique_ptr<sqlite::Database> users_db;

  std::unique_ptr<HttpServer> http;
  VenueMetrics metrics;
  std::atomic<bool> stopped{false};

  // Projector.
  void on_durable(const Block& block, std::span<const Event> events);
  void run_projector();
  // Runs `then` (on the projector thread, or here if already there) once `height` is projected.
  void when_projected(uint64_t height, std::function<void()> then);
  // `task` moved to the call's I/O thread: the journal's writer and the projector call back through this, so that
  // building an answer never holds up the next block. (History's waiters run on the reader thread instead: their
  // SQLite reads would hold up every connection of an I/O thread.)
  static std::function<void()> on_io(const CallPtr& call, std::function<void()> task) {
    return [call, task = std::move(task)]() mutable { call->respond.post(std::move(task)); };
  }
  int64_t block_time_ms(uint64_t height);
  uint64_t projected();
  // History's thread; and runs `then` once history has committed `height` (at once if history has failed).
  void run_history();
  void set_history_urgent(bool urgent);
  void when_history(uint64_t height, std::function<void()> then);
  void run_reader();
  void hand_to_reader(std::vector<std::function<void()>> calls);
  // An answer about `owner`'s orders from the block at `height` is going out: their history reads wait for it.
  void acknowledge(uint64_t owner, uint64_t height);
  void acknowledge(std::span<const uint64_t> owners, uint64_t height);
  uint64_t acknowledged_height(uint64_t owner);

  // Keys.
  Status store_keys();

  // Dispatch.
  void dispatch(const CallPtr& call);
  void reply(const CallPtr& call, int status, std::string body);
  void reply_error(const CallPtr& call, const BinanceError& error);
  void finish_metrics(const CallPtr& call, int status);
  std::string metrics_text();

  // Routes (binance_routes.cpp).
  void route_binance(const CallPtr& call);
  // The market named by the request's mandatory `symbol`; nullopt when it is missing, malformed or unknown, and
  // then the error reply has been sent.
  std::optional<MarketInfo> symbol_market(const CallPtr& call);
  void place_order(const CallPtr& call, bool test_only);
  void cancel_order(const CallPtr& call);
  void cancel_open_orders(const CallPtr& call);
  void query_orders(const CallPtr& call);
  void my_trades(const CallPtr& call);
  void klines(const CallPtr& call);
  void history_trades(const CallPtr& call, bool aggregate);
  // Runs `read` on the history reader; false (and the reply sent) when history is unavailable.
  bool read_history(const CallPtr& call, const std::function<Status(history::HistoryReader&)>& read);

  // The native API (native_routes.cpp) and its users.
  void route_native(const CallPtr& call);
  void reply_native_error(const CallPtr& call, int http_status, int code, std::string_view message);
  void reply_engine_refusal(const CallPtr& call, Result result);
  Status submit_and_wait(std::vector<Command> commands, SubmitResult* result);
  // The venue's own account (kVenueOwner) of this kind in `asset`, or 0.
  uint64_t venue_account(uint32_t asset, AccountKind kind);
  Status open_users(const std::string& path);
  // Opens the client, case and travel-rule stores and, when configured, the sanctions lists.
  Status open_compliance();
  // A route of compliance_routes(), authenticated and authorised.
  void route_compliance(const CallPtr& call);
  // A route of cbdc_routes(), authenticated and authorised.
  void route_cbdc(const CallPtr& call);
  // A money command's answer, once its block is durable and projected: its events, or the refusal explained.
  void answer_money(const CallPtr& call, const std::vector<Command>& commands, const SubmitResult& result);
  // POST /v1/deposits and /v1/withdrawals: the travel rule for a crypto asset (the record, the gate at the USD
  // value). False when refused (the answer is sent).
  bool check_travel_rule_data(const CallPtr& call, Movement movement, const AssetInfo& asset, int64_t amount_minor,
                              TravelRuleCheck* out);
  // After the deposit's transfer or the withdrawal's hold `id` of `client` was accepted in block `height`: keeps
  // the travel-rule record and screens the counterparties (a deposit's originators, a withdrawal's
  // beneficiaries). *screening_case: the screening case a hit opened or joined (0: none). False when that
  // failed: `undo` (voiding the hold, or the reverse transfer) is submitted and the answer sent.
  bool record_movement(const CallPtr& call, uint64_t client, uint64_t id, uint64_t height, const AssetInfo& asset,
                       int64_t amount_minor, const Command& undo, const TravelRuleCheck& check,
                       uint64_t* screening_case);
  // POST /v1/withdrawals/approve: false (answered 409) while a screening case holds it or after it was confirmed.
  bool withdrawal_approvable(const CallPtr& call, uint64_t withdrawal);
  Status create_user(const std::string& name, Role role, int64_t now_ms, UserRow* out);  // the next id from 1000
  Status create_user_with_id(uint64_t id, const std::string& name, Role role, int64_t now_ms, UserRow* out);
  bool find_user(uint64_t id, UserRow* out);
  Status list_users(std::vector<UserRow>* out);
  // Makes the operator user and its API key on first start (DIR/keys/operator-api.txt).
  Status bootstrap_operator(const std::string& data_dir);

  // The engine's request id (and client order id) of a client's text id; history derives the same.
  static uint64_t client_order_key(uint64_t owner, std::string_view text) {
    return history::client_order_key(owner, text);
  }
};

}  // namespace qz::server
