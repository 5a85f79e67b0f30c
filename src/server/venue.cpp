#include "server/venue.h"

#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>

#include "base/assert.h"
#include "base/sha256.h"
#include "json/writer.h"
#include "server/internal/venue_impl.h"
#include "server/log.h"

namespace qz::server {

namespace {

constexpr size_t kBlockTimesKept = 4096;
// History writes queued blocks every kHistoryWriteInterval, and commits a batch when someone waits for it, else
// kHistoryCommitInterval after the batch's first block (one SQLite transaction writes whole pages, so fewer and
// bigger ones cost less per row), or when kHistoryCommitBlocks are queued.
constexpr auto kHistoryWriteInterval = std::chrono::milliseconds(5);
constexpr auto kHistoryCommitInterval = std::chrono::milliseconds(500);
// The history thread's nice value when it is urgent (run_history).
constexpr int kHistoryNice = 10;
constexpr size_t kHistoryCommitBlocks = 2048;
// History is urgent while half its queue (VenueOptions::max_queued_blocks) is full or a reader waits for it, and
// calm again once a take finds fewer than kHistoryCalmBlocks. Urgent earlier (1,024 blocks, 0.2 s behind at
// 10,000 orders/s) it took the order path's cores often enough to cost 0.85 ms of the p99 at that rate.
constexpr size_t kHistoryCalmBlocks = 128;

bool read_file(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out->assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// Writes the file whole or not at all: a temporary beside it, fsync'd, then renamed over it.
Status write_file_atomically(const std::string& path, std::span<const uint8_t> bytes, mode_t mode) {
  const std::string temporary = path + ".tmp";
  FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) return Status::error("cannot write " + temporary);
  ::chmod(temporary.c_str(), mode);
  const bool written = std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size() && std::fflush(file) == 0 &&
                       ::fsync(::fileno(file)) == 0;
  std::fclose(file);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    return Status::error("cannot write " + path);
  }
  // The rename itself survives a power cut only once the directory is synced.
  const std::string parent = std::filesystem::path(path).parent_path().string();
  const int dir = ::open(parent.empty() ? "." : parent.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir < 0) return Status::error("cannot sync the directory of " + path);
  const bool synced = ::fsync(dir) == 0;
  ::close(dir);
  if (!synced) return Status::error("cannot sync the directory of " + path);
  return Status::ok();
}

}  // namespace

namespace {

// DIR/history.state: which boot of the machine opened history last, and whether it closed it cleanly. History is
// written without syncs (synchronous OFF: a checkpoint does not wait for the disk), which a process crash cannot
// harm (the kernel still holds the pages) but a power cut or a kernel crash can: a start that finds history left
// open by another boot rebuilds it from the journal.
struct HistoryState {
  std::string boot;
  bool clean = false;
};

std::string current_boot_id() {
  std::ifstream in("/proc/sys/kernel/random/boot_id");
  std::string id;
  in >> id;
  return id;
}

bool read_history_state(const std::string& path, HistoryState* out) {
  std::ifstream in(path);
  std::string header, boot_word, state_word, state;
  if (!(in >> header >> boot_word >> out->boot >> state_word >> state)) return false;
  if (header != "qazna-history-state-v1" || boot_word != "boot" || state_word != "state") return false;
  out->clean = state == "clean";
  return out->clean || state == "open";
}

Status write_history_state(const std::string& path, const std::string& boot, bool clean) {
  const std::string text = "qazna-history-state-v1\nboot " + (boot.empty() ? std::string("unknown") : boot) +
                           "\nstate " + (clean ? "clean" : "open") + "\n";
  return write_file_atomically(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                               0644);
}

}  // namespace

Status write_private_file(const std::string& path, std::string_view text) {
  return write_file_atomically(path, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(text.data()), text.size()),
                               0600);
}

namespace {

std::string route_key(std::string_view method, std::string_view path) {
  return std::string(method) + " " + std::string(path);
}

}  // namespace

// ---------------------------------------------------------------------------------------------------------------
// Life cycle

Venue::Venue(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Venue::~Venue() { stop(); }

Status Venue::open(const VenueOptions& options, std::unique_ptr<Venue>* out, RecoveryReport* report) {
  if (options.data_dir.empty()) return Status::error("serve: no data directory given");
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->clock = options.clock != nullptr ? options.clock : system_clock();
  impl->limiter = RateLimiter(options.rate_limits);

  // The master key, then the key registry it protects.
  const std::string keys_dir = options.data_dir + "/keys";
  const std::string master_file =
      options.master_key_file.empty() ? keys_dir + "/api-master.key" : options.master_key_file;
  std::vector<uint8_t> master_bytes;
  if (read_file(master_file, &master_bytes)) {
    if (master_bytes.size() != MasterKey::kBytes) {
      return Status::error("serve: " + master_file + " must hold exactly 32 bytes");
    }
  } else {
    if (!std::filesystem::is_directory(keys_dir)) {
      return Status::error("serve: " + options.data_dir + " is not a data directory (no keys/; run init)");
    }
    const MasterKey generated = MasterKey::generate();
    master_bytes.assign(generated.bytes().begin(), generated.bytes().end());
    QZ_TRY(write_file_atomically(master_file, master_bytes, 0600));
  }
  impl->master_key_bytes = master_bytes;
  MasterKey master;
  if (!MasterKey::from_bytes(master_bytes, &master)) return Status::error("serve: the master key is unusable");
  impl->keys_file = keys_dir + "/api-keys.bin";
  std::vector<uint8_t> registry_bytes;
  if (read_file(impl->keys_file, &registry_bytes)) {
    MasterKey copy;
    QZ_ASSERT(MasterKey::from_bytes(master_bytes, &copy));
    auto registry = std::make_unique<ApiKeyRegistry>(std::move(copy));
    MasterKey parse_key;
    QZ_ASSERT(MasterKey::from_bytes(master_bytes, &parse_key));
    const Status parsed = ApiKeyRegistry::parse(registry_bytes, std::move(parse_key), registry.get());
    if (!parsed.is_ok()) return Status::error("serve: " + impl->keys_file + ": " + parsed.message());
    impl->keys = std::move(registry);
  } else {
    impl->keys = std::make_unique<ApiKeyRegistry>(std::move(master));
  }

  // The journal. The projector follows its durable blocks.
  NodeOptions node_options;
  node_options.data_dir = options.data_dir;
  node_options.clock = impl->clock;
  node_options.max_block_commands = options.max_block_commands;
  node_options.verify_on_open = options.verify_on_open;
  node_options.preallocate_wal = options.preallocate_journal_wal;
  // A snapshot is written inside the journal's commit of its block (18-20 ms of the journal thread's CPU,
  // measured under bench_load's book), and every answer waits behind it: at 2,500 blocks/s the default 4,096
  // blocks made that every 1.6 s and set the p99. Every 65,536 blocks it comes about every 26 s at that rate, and
  // a restart replays at most that many blocks.
  node_options.snapshot_every_blocks = 65536;
  // The state hash, too, is computed by the journal thread while every order waits: 1.8-2.4 ms under
  // bench_load's venue, most of it the 65,536 free order slots of each market (2.6 MB to SHA-256). At the
  // default 1,024 blocks that came 4 times a second at 10,000 orders/s and held up about 1% of the orders; every
  // 8,192 blocks it comes every few seconds. Every block's events root is still checked on replay.
  node_options.state_hash_every_blocks = 8192;
  // Each commit costs the journal thread about 100 us of CPU whatever it holds (the fdatasync, the signature,
  // the wakes): at 10,000 orders/s, committing whatever is queued made 5,000-6,000 commits of ~2 orders a second,
  // 55-60% of a core, and the two cores' queues set the p99. A cycle at least 300 us after the previous one while
  // commits are small (under 8 commands) makes ~4 orders a commit: paired at 10,000/s (bench_load --mode steady,
  // 5 pairs) the process's CPU fell from 162% to 136% of a core and p99 from 3.4 to 1.8 ms, p50 rose from 0.43
  // to 0.64 ms; 500 us measured worse (p99 1.8 against 1.4 ms), 100 us as none. Commits of 8 commands or more
  // (64 connections closed loop: ~13) keep cycles back to back, so throughput is unchanged.
  node_options.commit_interval_us = 300;
  node_options.small_commit_commands = 8;
  Impl* raw = impl.get();
  node_options.on_durable = [raw](const Block& block, std::span<const Event> events) { raw->on_durable(block, events); };
  // The answers of a commit's orders go to each I/O thread in one handoff, not one post (and lock) each.
  node_options.before_callbacks = [] { Responder::begin_batch(); };
  node_options.after_callbacks = [] { Responder::end_batch(); };
  QZ_TRY(Node::open(node_options, &impl->node, report));
  if (options.preallocate_journal_wal && impl->node->journal_stats().wal_locked_bytes == 0) {
    LogLine(LogLevel::warn, "journal_wal_not_locked")
        .field("message",
               "the journal's WAL could not be locked in memory (needs CAP_IPC_LOCK or RLIMIT_MEMLOCK of 64 MiB); a "
               "commit may have to read a WAL page back from the disk");
  }
  impl->node->with_engine([&](const Engine& engine) { impl->market.seed(engine); });
  impl->projected_height = impl->node->height();

  // History: catch up with the journal (a crash may have left it behind), then follow the projector.
  const std::string history_path = options.data_dir + "/history.db";
  impl->history_state_path = options.data_dir + "/history.state";
  impl->boot_id = current_boot_id();
  HistoryState previous;
  if (read_history_state(impl->history_state_path, &previous) && !previous.clean &&
      (previous.boot != impl->boot_id || impl->boot_id.empty())) {
    LogLine(LogLevel::warn, "history_rebuild")
        .field("reason", "history was open when the machine stopped (power cut or kernel crash)")
        .field("boot", std::string_view(previous.boot));
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((history_path + suffix).c_str());
  }
  QZ_TRY(write_history_state(impl->history_state_path, impl->boot_id, false));
  history::WriterOptions writer_options;
  writer_options.blocks_per_transaction = 1u << 20;  // run_history decides when to commit
  writer_options.wal_autocheckpoint_pages = 16384;   // 64 MiB of WAL between checkpoints
  writer_options.synchronous = sqlite::Sync::off;    // history.state covers power cuts (above)
  // With synchronous off, history's pages waited for the kernel's 30 s timer and went to disk as one burst of
  // hundreds of MiB, and the journal's fdatasync waited behind it: 60 s steady runs at 10,000/s had max 93-109 ms,
  // p99.9 56-91 ms. run_history starts the writeback of 256 KiB of history.db and its WAL each time it takes
  // blocks (every 5 ms while busy, at most 51 MB/s, a whole sweep every few seconds): max 40-46 ms, p99.9 22 ms,
  // p99 2.9-4.2 against 3.6-9.9 ms (3 alternating pairs, docs/benchmarks.md item 34). Writing back each commit's
  // pages at once instead (several MiB every 500 ms) made p99 worse (12-18 ms).
  writer_options.writeback_slice_bytes = 256 * 1024;
  QZ_TRY(history::HistoryWriter::open(history_path, writer_options, &impl->history_writer));
  std::optional<uint64_t> history_height = impl->history_writer->last_height();
  if (history_height && *history_height > impl->projected_height) {
    // History ahead of the journal: the journal lost its tail (a torn or corrupt block was cut at recovery), so
    // some projected rows describe blocks that no longer exist. A projection never outranks the journal: start
    // it again from genesis.
    LogLine(LogLevel::warn, "history_rebuild")
        .field("reason", "history.db is ahead of the journal")
        .field("history_height", *history_height)
        .field("journal_height", impl->projected_height);
    impl->history_writer.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((history_path + suffix).c_str());
    QZ_TRY(history::HistoryWriter::open(history_path, writer_options, &impl->history_writer));
    history_height = impl->history_writer->last_height();
  }
  if (!history_height || *history_height < impl->projected_height) {
    uint64_t replayed = 0;
    history::HistoryWriter* writer = impl->history_writer.get();
    const Status caught_up = replay_journal_blocks(
        options.data_dir, history_height ? *history_height + 1 : 0,
        [writer](const Block& block, std::span<const Event> events) {
          return writer->on_block(
              BlockInput{.height = block.header.height, .time_ns = block.header.time_ns, .commands = block.commands},
              events);
        },
        &replayed);
    if (!caught_up.is_ok()) return Status::error("serve: bringing history.db up to the journal: " + caught_up.message());
    QZ_TRY(impl->history_writer->flush());
  }
  {
    const std::vector<std::pair<uint64_t, uint64_t>> owners = impl->history_writer->open_order_owners();
    impl->open_order_owner.reserve(owners.size());
    for (const auto& [order, owner] : owners) impl->open_order_owner.insert(order, owner);
  }
  QZ_TRY(history::HistoryReader::open(history_path, &impl->history_reader));
  QZ_TRY(impl->open_users(options.data_dir + "/users.db"));
  QZ_TRY(impl->bootstrap_operator(options.data_dir));
  QZ_TRY(impl->open_compliance());
  // The recent trades of each market, so that the trade lists and 24-hour statistics survive a restart.
  for (const MarketInfo& m : impl->market.markets()) {
    std::vector<history::TradeRow> rows;
    QZ_TRY(impl->history_reader->trades(m.id, history::Page{.limit = history::kMaxLimit}, &rows));
    std::vector<TradeInfo> trades;
    for (const history::TradeRow& row : rows) {
      trades.push_back(TradeInfo{.id = row.id, .market = row.market, .price_minor = row.price_minor,
                                 .qty_minor = row.qty_minor, .quote_qty_minor = row.quote_qty_minor,
                                 .time_ms = row.time_ms, .buyer_is_maker = row.buyer_is_maker});
    }
    impl->market.seed_trades(trades);
  }

  for (const RouteSpec& route : binance_routes()) {
    auto& slot = impl->metrics.routes[route_key(route.method, route.path)];
    slot = std::make_unique<VenueMetrics::Route>();
    impl->metrics.binance_routes.push_back(slot.get());
  }
  for (const char* path : {"/healthz", "/metrics", "(unknown)", "/v1"}) {
    impl->metrics.routes[route_key("GET", path)] = std::make_unique<VenueMetrics::Route>();
  }
  impl->history_height = impl->projected_height;
  impl->projector = std::thread([raw] { raw->run_projector(); });
  impl->history_thread = std::thread([raw] { raw->run_history(); });
  impl->reader_thread = std::thread([raw] { raw->run_reader(); });
  out->reset(new Venue(std::move(impl)));
  // The venue decides by the engine's newest rules. A data directory written under older ones moves to them here
  // by a journaled set_engine_rules, so that its earlier blocks still replay under the rules they were written
  // with (kEngineRulesVersion in engine/engine.h).
  uint32_t rules = 0;
  raw->node->with_engine([&](const Engine& engine) { rules = engine.rules_version(); });
  if (rules < kEngineRulesVersion) {
    SubmitResult result;
    Status moved = raw->submit_and_wait({make_set_engine_rules(kEngineRulesVersion)}, &result);
    if (moved.is_ok() && (result.events.empty() || result.events.front().event_kind() != EventKind::engine_rules_set)) {
      moved = Status::error("serve: the engine refused rules version " + std::to_string(kEngineRulesVersion));
    }
    if (!moved.is_ok()) {
      out->reset();  // stops the threads
      return moved;
    }
    LogLine(LogLevel::info, "engine_rules")
        .field("version", uint64_t{kEngineRulesVersion})
        .field("previous", uint64_t{rules});
  }
  (*out)->impl_->http = std::make_unique<HttpServer>(options.http, out->get());
  return Status::ok();
}

Status Venue::start() { return impl_->http->start(); }

void Venue::stop() {
  Impl& impl = *impl_;
  if (impl.stopped.exchange(true)) return;
  // Stop accepting and let the requests in flight be answered (the node and projector still run), then stop
  // the node (which writes every block it holds), then the projector.
  if (impl.http) impl.http->stop();
  impl.node->stop();
  {
    std::lock_guard guard(impl.projector_mutex);
    impl.projector_stopping = true;
  }
  impl.projector_cv.notify_all();
  if (impl.projector.joinable()) impl.projector.join();
  {
    std::lock_guard guard(impl.history_queue_mutex);
    impl.history_stopping = true;
  }
  impl.history_cv.notify_all();
  if (impl.history_thread.joinable()) impl.history_thread.join();
  // History is whole and durable: the next start (on any boot) may trust it.
  if (impl.history_writer && !impl.history_failed.load()) {
    Status synced = impl.history_writer->sync_to_disk();
    if (synced.is_ok()) synced = write_history_state(impl.history_state_path, impl.boot_id, true);
    if (!synced.is_ok()) LogLine(LogLevel::error, "history_sync_failed").field("message", synced.message());
  }
  {
    std::lock_guard guard(impl.reader_mutex);
    impl.reader_stopping = true;
  }
  impl.reader_cv.notify_all();
  if (impl.reader_thread.joinable()) impl.reader_thread.join();
  // A socket the server closed while stopping may not have told the hub yet; the hub must let go of it while
  // the I/O context its stream belongs to still exists.
  impl.streams.drop_all();
}

uint16_t Venue::port() const { return impl_->http->port(); }

uint64_t Venue::now_ms() const { return impl_->clock->now_ns() / 1'000'000; }

uint64_t Venue::height() const { return impl_->node->height(); }

const MarketData& Venue::market_data() const { return impl_->market; }

void Venue::with_engine(const std::function<void(const Engine&)>& reader) { impl_->node->with_engine(reader); }

Status Venue::submit(std::span<const Command> commands, SubmitResult* result) {
  SubmitResult local;
  return impl_->submit_and_wait(std::vector<Command>(commands.begin(), commands.end()),
                                result != nullptr ? result : &local);
}

Status Venue::create_user(uint64_t id, const std::string& name, Role role) {
  UserRow row;
  return impl_->create_user_with_id(id, name, role, static_cast<int64_t>(now_ms()), &row);
}

Status Venue::create_hmac_key(const KeySpec& spec, CreatedHmacKey* out) {
  std::unique_lock lock(impl_->keys_mutex);
  QZ_TRY(impl_->keys->create_hmac(spec, out));
  return impl_->store_keys();
}

Status Venue::add_hmac_key(std::string_view key_id, std::string_view secret, const KeySpec& spec) {
  std::unique_lock lock(impl_->keys_mutex);
  QZ_TRY(impl_->keys->add_hmac(key_id, secret, spec));
  return impl_->store_keys();
}

Status Venue::Impl::store_keys() {
  const std::vector<uint8_t> bytes = keys->serialise();
  return write_file_atomically(keys_file, bytes, 0600);
}

// ---------------------------------------------------------------------------------------------------------------
// Projector

void Venue::Impl::on_durable(const Block& block, std::span<const Event> events) {
  // Owners first, here on the journal thread before any answer about this block goes out (answers do not wait
  // for the projector): a maker told of a fill by anyone, a taker's answer or the market data, must find its
  // acknowledged height already raised when it reads its own orders.
  acknowledge_order_owners(block, events);
  Durable durable{.block = block, .events = std::vector<Event>(events.begin(), events.end())};
  {
    std::unique_lock lock(projector_mutex);
    projector_space_cv.wait(lock,
                            [this] { return projector_queue.size() < options.max_queued_blocks || projector_done; });
    projector_queue.push_back(std::move(durable));
  }
  projector_cv.notify_one();
}

void Venue::Impl::run_projector() {
  pthread_setname_np(pthread_self(), "qz-projector");
  using Steady = std::chrono::steady_clock;
  const auto steady_ns = [] {
    return static_cast<int64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(Steady::now().time_since_epoch()).count());
  };
  BlockUpdates updates;
  int64_t streams_due_ns = 0;  // when the streams next have merged diffs or klines to send (0: nothing waits)
  for (;;) {
    Durable durable;
    bool have_block = false;
    {
      std::unique_lock lock(projector_mutex);
      while (projector_queue.empty() && !projector_stopping) {
        if (streams_due_ns == 0) {
          projector_cv.wait(lock);
        } else if (projector_cv.wait_until(lock, Steady::time_point(std::chrono::nanoseconds(streams_due_ns))) ==
                   std::cv_status::timeout) {
          break;
        }
      }
      if (projector_queue.empty() && projector_stopping) break;
      if (!projector_queue.empty()) {
        durable = std::move(projector_queue.front());
        projector_queue.pop_front();
        have_block = true;
      }
    }
    if (have_block) projector_space_cv.notify_one();
    if (!have_block) {
      streams_due_ns = streams.flush(steady_ns());
      continue;
    }
    if (options.before_projecting) options.before_projecting(durable.block.header.height);
    market.apply(durable.block, durable.events, &updates);
    streams.publish(updates, steady_ns());
    streams_due_ns = streams.flush(steady_ns());
    metrics.trades.fetch_add(updates.trades.size());
    metrics.blocks_projected.fetch_add(1);
    const uint64_t height = durable.block.header.height;
    bool wake_history = false;
    bool urge_history = false;
    {
      std::unique_lock lock(history_queue_mutex);
      history_space_cv.wait(lock, [this] { return history_queue.size() < options.max_queued_blocks || history_done; });
      history_queue.push_back(std::move(durable));
      wake_history = std::exchange(history_idle, false) || history_queue.size() == kHistoryCommitBlocks ||
                     history_queue.size() >= options.max_queued_blocks ||
                     (!history_waiters.empty() && history_waiters.begin()->first <= height);
      urge_history = history_queue.size() >= options.max_queued_blocks / 2 + 1;
    }
    if (urge_history) set_history_urgent(true);
    if (wake_history) history_cv.notify_one();

    std::vector<std::function<void()>> ready;
    {
      std::lock_guard guard(projector_mutex);
      block_times_ms[height] = updates.time_ms;
      while (block_times_ms.size() > kBlockTimesKept) block_times_ms.erase(block_times_ms.begin());
      projected_height = height;
      const auto end = waiters.upper_bound(height);
      for (auto it = waiters.begin(); it != end; ++it) ready.push_back(std::move(it->second));
      waiters.erase(waiters.begin(), end);
    }
    for (auto& then : ready) then();
  }
  // Stopping: whoever still waits is answered from what was projected.
  std::multimap<uint64_t, std::function<void()>> left;
  {
    std::lock_guard guard(projector_mutex);
    projector_done = true;
    left.swap(waiters);
  }
  projector_space_cv.notify_all();
  for (auto& [height, then] : left) then();
}

void Venue::Impl::run_history() {
  pthread_setname_np(pthread_self(), "qz-history");
  // History is a batch projection that nothing on the order path waits for: when it and the threads that answer
  // orders (I/O, journal, projector) want the same core, they go first. While history keeps up it runs under
  // SCHED_IDLE, so that a waking order thread takes the core from it at once (at nice 10 it still ran out its
  // slice first: steady 10,000/s p99 4.55 -> 2.04 ms, 5 alternating pairs, docs/benchmarks.md). When blocks pile
  // up or a reader waits for it, it is urgent and runs at nice 10 until it has caught up (set_history_urgent).
  (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::gettid()), kHistoryNice);
  {
    std::lock_guard guard(history_policy_mutex);
    history_tid = static_cast<pid_t>(::gettid());
  }
  set_history_urgent(false);
  using Steady = std::chrono::steady_clock;
  const auto fail = [this](uint64_t height, const Status& status) {
    LogLine(LogLevel::error, "history_failed").field("height", height).field("message", status.message());
    std::lock_guard guard(history_mutex);
    history_error = status.message();
    history_failed.store(true);
  };
  // Blocks are written in small takes (every kHistoryWriteInterval) so that history's CPU comes in short pieces
  // beside the order path, and committed in batches (kHistoryCommitInterval after the batch's first block, or
  // at once when someone waits for what is queued, the queue is long, or we stop).
  bool uncommitted = false;  // blocks written since the last commit
  uint64_t last_written = 0;
  Steady::time_point commit_due{};
  for (;;) {
    std::deque<Durable> batch;
    bool stopping = false;
    bool commit = false;
    bool calm = false;  // little queued and no reader waiting: history may go back to SCHED_IDLE
    {
      std::unique_lock lock(history_queue_mutex);
      Steady::time_point take_due{};
      for (;;) {
        const uint64_t newest = !history_queue.empty() ? history_queue.back().block.header.height
                                : uncommitted          ? last_written
                                                       : history_height;
        const bool awaited = !history_waiters.empty() && history_waiters.begin()->first <= newest;
        const bool full = history_queue.size() >= std::min(kHistoryCommitBlocks, options.max_queued_blocks);
        const auto now = Steady::now();
        if (history_stopping || awaited || full || (uncommitted && now >= commit_due)) {
          commit = true;
          break;
        }
        if (!history_queue.empty()) {
          if (take_due == Steady::time_point{}) take_due = now + kHistoryWriteInterval;
          if (now >= take_due) break;
        }
        // The projector wakes a thread that sleeps with nothing queued when the next block comes.
        history_idle = history_queue.empty();
        if (history_queue.empty() && !uncommitted) {
          history_cv.wait(lock);
        } else {
          Steady::time_point until = history_queue.empty() ? commit_due : take_due;
          if (uncommitted) until = std::min(until, commit_due);
          history_cv.wait_until(lock, until);
        }
        history_idle = false;
      }
      stopping = history_stopping;
      calm = history_queue.size() < kHistoryCalmBlocks && history_waiters.empty();
      batch.swap(history_queue);
    }
    history_space_cv.notify_one();
    if (calm) set_history_urgent(false);
    for (const Durable& durable : batch) {
      if (history_failed.load()) break;
      const uint64_t height = durable.block.header.height;
      const Status written = history_writer->on_block(
          BlockInput{.height = height, .time_ns = durable.block.header.time_ns, .commands = durable.block.commands},
          durable.events);
      if (!written.is_ok()) fail(height, written);
    }
    if (!batch.empty()) {
      history_writer->write_back_slice();  // a slice of the files each take: the pace of writeback_slice_bytes
      if (!uncommitted) commit_due = Steady::now() + kHistoryCommitInterval;
      uncommitted = true;
      last_written = batch.back().block.header.height;
    }
    if (commit && uncommitted) {
      if (!history_failed.load()) {
        const Status flushed = history_writer->flush();
        if (!flushed.is_ok()) fail(last_written, flushed);
      }
      uncommitted = false;
      std::vector<std::function<void()>> ready;
      {
        std::lock_guard guard(history_queue_mutex);
        history_height = last_written;
        const auto end = history_failed.load() ? history_waiters.end() : history_waiters.upper_bound(last_written);
        for (auto it = history_waiters.begin(); it != end; ++it) ready.push_back(std::move(it->second));
        history_waiters.erase(history_waiters.begin(), end);
      }
      hand_to_reader(std::move(ready));
    }
    if (stopping && !uncommitted) {
      std::lock_guard guard(history_queue_mutex);
      if (history_queue.empty()) break;
    }
  }
  {
    std::lock_guard guard(history_policy_mutex);
    history_tid = 0;  // the id may be another thread's soon
  }
  std::multimap<uint64_t, std::function<void()>> left;
  {
    std::lock_guard guard(history_queue_mutex);
    history_done = true;
    left.swap(history_waiters);
  }
  history_space_cv.notify_all();
  std::vector<std::function<void()>> rest;
  for (auto& [height, then] : left) rest.push_back(std::move(then));
  hand_to_reader(std::move(rest));
}

void Venue::Impl::hand_to_reader(std::vector<std::function<void()>> calls) {
  if (calls.empty()) return;
  {
    std::lock_guard guard(reader_mutex);
    for (auto& call : calls) reader_queue.push_back(std::move(call));
  }
  reader_cv.notify_one();
}

void Venue::Impl::run_reader() {
  pthread_setname_np(pthread_self(), "qz-reader");
  for (;;) {
    std::deque<std::function<void()>> calls;
    {
      std::unique_lock lock(reader_mutex);
      reader_cv.wait(lock, [&] { return !reader_queue.empty() || reader_stopping; });
      if (reader_queue.empty()) break;
      calls.swap(reader_queue);
    }
    for (auto& call : calls) call();
  }
}

void Venue::Impl::when_history(uint64_t height, std::function<void()> then) {
  {
    std::unique_lock guard(history_queue_mutex);
    if (history_height < height && !history_failed.load() && !history_done) {
      history_waiters.emplace(height, std::move(then));
      guard.unlock();
      set_history_urgent(true);  // a reader waits: history must not wait for idle cores
      history_cv.notify_one();
      return;
    }
  }
  then();
}

void Venue::Impl::set_history_urgent(bool urgent) {
  std::lock_guard guard(history_policy_mutex);
  if (history_tid == 0 || urgent == history_urgent || (urgent && !history_can_urge)) return;
  sched_param param{};
  if (::sched_setscheduler(history_tid, urgent ? SCHED_OTHER : SCHED_IDLE, &param) != 0) {
    // Leaving SCHED_IDLE for nice 10 needs CAP_SYS_NICE or an RLIMIT_NICE of at least 10 (a service's LimitNICE):
    // without either, history stays under SCHED_IDLE and the bounded queues hold the order path back instead
    // when it falls behind (docs/server.md).
    if (urgent) {
      history_can_urge = false;
      LogLine(LogLevel::warn, "history_priority")
          .field("message", std::string_view("history cannot leave SCHED_IDLE (needs CAP_SYS_NICE or RLIMIT_NICE "
                                             ">= 10); it stays there when behind"));
    }
    return;
  }
  history_urgent = urgent;
}

void Venue::Impl::acknowledge_order_owners(const Block& block, std::span<const Event> events) {
  touched_owners.clear();
  const auto owner_of = [&](uint64_t order, bool ended) {
    const uint64_t* owner = open_order_owner.find(order);
    if (owner == nullptr) return;
    touched_owners.push_back(*owner);
    if (ended) open_order_owner.erase(order);
  };
  for (const Event& event : events) {
    switch (event.event_kind()) {
      case EventKind::order_accepted:
        if (event.command_index < block.commands.size()) {
          const bool inserted =
              open_order_owner.insert(event.order_accepted.order, block.commands[event.command_index].actor);
          QZ_ASSERT(inserted);  // an order id is accepted once
        }
        break;
      case EventKind::order_filled:
        owner_of(event.order_filled.order, event.order_filled.remaining_qty_minor == 0);
        break;
      case EventKind::order_cancelled:
      case EventKind::order_expired:
        owner_of(event.order_ended.order, true);
        break;
      default:
        break;
    }
  }
  acknowledge(touched_owners, block.header.height);
}

void Venue::Impl::acknowledge(uint64_t owner, uint64_t height) { acknowledge(std::span(&owner, 1), height); }

void Venue::Impl::acknowledge(std::span<const uint64_t> owners, uint64_t height) {
  if (owners.empty()) return;
  std::lock_guard guard(acknowledged_mutex);
  for (const uint64_t owner : owners) {
    uint64_t& newest = acknowledged[owner];
    newest = std::max(newest, height);
  }
}

uint64_t Venue::Impl::acknowledged_height(uint64_t owner) {
  std::lock_guard guard(acknowledged_mutex);
  const auto it = acknowledged.find(owner);
  return it == acknowledged.end() ? 0 : it->second;
}

uint64_t Venue::Impl::projected() {
  std::lock_guard guard(projector_mutex);
  return projected_height;
}

void Venue::Impl::when_projected(uint64_t height, std::function<void()> then) {
  {
    std::lock_guard guard(projector_mutex);
    if (projected_height < height && !projector_done) {
      waiters.emplace(height, std::move(then));
      return;
    }
  }
  then();
}

int64_t Venue::Impl::block_time_ms(uint64_t height) {
  std::lock_guard guard(projector_mutex);
  const auto it = block_times_ms.find(height);
  return it == block_times_ms.end() ? static_cast<int64_t>(clock->now_ns() / 1'000'000) : it->second;
}

// ---------------------------------------------------------------------------------------------------------------
// Dispatch

namespace {

// The routes that answer from history.db (the rest answer from memory or the engine).
bool reads_history(const RouteSpec& route) {
  static constexpr std::string_view kPaths[] = {
      "/api/v3/aggTrades", "/api/v3/trades",    "/api/v3/historicalTrades", "/api/v3/klines",
      "/api/v3/uiKlines",  "/api/v3/allOrders", "/api/v3/myTrades",
  };
  if (route.path == "/api/v3/order") return route.method == "GET" || route.method == "DELETE";
  if (route.path == "/api/v3/openOrders") return route.method == "GET";
  for (const std::string_view path : kPaths) {
    if (route.path == path) return true;
  }
  return false;
}

}  // namespace

void Venue::handle(HttpRequest&& request, Responder respond) {
  auto call = std::make_shared<Call>();
  call->request = std::move(request);
  call->respond = std::move(respond);
  call->now_ms = static_cast<int64_t>(impl_->clock->now_ns() / 1'000'000);
  impl_->dispatch(call);
}

void Venue::Impl::dispatch(const CallPtr& call) {
  const HttpRequest& request = call->request;
  if (!IpAddress::parse(request.remote_ip, &call->ip)) QZ_ASSERT(IpAddress::parse("0.0.0.0", &call->ip));
  if (request.method == "GET" && request.path == "/healthz") {
    const bool healthy = !stopped.load();
    return reply(call, healthy ? 200 : 503,
                 std::string("{\"status\":\"") + (healthy ? "ok" : "stopping") +
                     "\",\"height\":" + std::to_string(node->height()) + "}");
  }
  if (request.method == "GET" && request.path == "/metrics") {
    HttpResponse response;
    response.body = metrics_text();
    response.content_type = "text/plain; version=0.0.4";
    finish_metrics(call, 200);
    call->respond(std::move(response));
    return;
  }
  if (request.path.starts_with("/v1/")) return route_native(call);
  call->route = find_route(request.method, request.path);
  if (call->route == nullptr) {
    return reply(call, 404, "{\"code\":-1000,\"msg\":\"Unknown route: " + request.method + " " +
                                (request.path.size() <= 64 ? request.path : request.path.substr(0, 64)) + "\"}");
  }
  const ParamError parse_error = RequestParams::parse(request.query, request.body, ParamLimits{}, &call->params);
  if (parse_error != ParamError::ok) return reply_error(call, binance_error_for(parse_error, ParamLimits{}));

  const RouteSpec& route = *call->route;
  const uint32_t weight = request_weight(route, call->params);
  // The limiter is shared by the I/O threads: taken once before authentication and once after it (the headers
  // with the last decision).
  RateDecision decision;
  const auto note_headers = [&] {
    call->headers = limiter.headers(call->ip, call->identity.key_id, call->now_ms,
                                    route.places_order && decision.allowed, decision);
  };
  {
    std::lock_guard guard(limiter_mutex);
    decision = limiter.admit_ip(call->ip, weight, call->now_ms);
    if (!decision.allowed || route.security == Security::none) note_headers();
  }
  if (decision.allowed && route.security != Security::none) {
    AuthResult auth;
    {
      std::shared_lock lock(keys_mutex);
      auth = security_signed(route.security)
                 ? keys->authenticate(call->params, request.api_key, call->now_ms,
                                      required_permission(route.security), call->ip)
                 : keys->identify(request.api_key, required_permission(route.security), call->ip);
    }
    if (!auth.ok()) return reply_error(call, *auth.error);
    call->identity = auth.identity;
    std::lock_guard guard(limiter_mutex);
    decision = limiter.admit_key(call->identity.key_id, weight, call->now_ms);
    if (decision.allowed && route.places_order) decision = limiter.admit_order(call->identity.key_id, call->now_ms);
    note_headers();
  }
  if (!decision.allowed) {
    QZ_ASSERT(decision.error.has_value());
    return reply(call, decision.http_status, decision.error->json());
  }
  if (reads_history(route)) {
    // Read your writes: history first catches up with what this caller was told (a key's own orders), or with
    // everything durable when the request arrived (any answer already sent is about a durable block).
    const uint64_t height =
        route.security == Security::none ? node->height() : acknowledged_height(call->identity.owner_user);
    return when_history(height, [this, call] { route_binance(call); });
  }
  if (route.security == Security::none && route.method == "GET") {
    // Market data comes from the projection, and an order's answer goes out once its block is durable, before
    // the projector has applied it: the projection first catches up with every durable block, so that a client
    // sees its own order on the book after its answer.
    const uint64_t durable = node->height();
    if (projected() < durable) return when_projected(durable, on_io(call, [this, call] { route_binance(call); }));
  }
  route_binance(call);
}

std::string Venue::metrics_text() const { return impl_->metrics_text(); }

namespace {

// A count of 10^-digits seconds as Prometheus text: "1.000250" for 1,000,250 us with 6 digits.
std::string seconds_text(uint64_t count, int digits) {
  uint64_t unit = 1;
  for (int i = 0; i < digits; i++) unit *= 10;
  const std::string fraction = std::to_string(count % unit);
  return std::to_string(count / unit) + "." + std::string(digits - fraction.size(), '0') + fraction;
}

// A bucket bound in microseconds as an `le` label: "0.00025" for 250 (trailing zeros dropped).
std::string le_text(uint64_t us) {
  std::string text = seconds_text(us, 6);
  while (text.back() == '0') text.pop_back();
  if (text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

std::string Venue::Impl::metrics_text() {
  std::string out;
  const auto line = [&](const std::string& name, const std::string& labels, uint64_t value) {
    // Appended a piece at a time (g++ 12 warns, wrongly, of overlapping copies in `" " + std::to_string(...)`).
    out += name;
    if (!labels.empty()) out.append("{").append(labels).append("}");
    out.append(" ").append(std::to_string(value)).append("\n");
  };
  out += "# HELP qazna_http_requests_total Requests by route.\n# TYPE qazna_http_requests_total counter\n";
  for (const auto& [key, route] : metrics.routes) {
    line("qazna_http_requests_total", "route=\"" + key + "\"", route->requests.load());
  }
  out += "# HELP qazna_http_errors_total Answers with status 400 or above, by route.\n"
         "# TYPE qazna_http_errors_total counter\n";
  for (const auto& [key, route] : metrics.routes) {
    line("qazna_http_errors_total", "route=\"" + key + "\"", route->errors.load());
  }
  out += "# HELP qazna_http_request_duration_seconds Time from request to answer, by route.\n"
         "# TYPE qazna_http_request_duration_seconds histogram\n";
  static constexpr const char* kLe[7] = {"0.00025", "0.0005", "0.001", "0.002", "0.005", "0.01", "0.05"};
  for (const auto& [key, route] : metrics.routes) {
    uint64_t cumulative = 0;
    for (size_t b = 0; b < 7; b++) {
      cumulative += route->buckets[b].load();
      line("qazna_http_request_duration_seconds_bucket", "route=\"" + key + "\",le=\"" + kLe[b] + "\"", cumulative);
    }
    cumulative += route->buckets[7].load();
    line("qazna_http_request_duration_seconds_bucket", "route=\"" + key + "\",le=\"+Inf\"", cumulative);
    const uint64_t us = route->latency_us_sum.load();
    out += "qazna_http_request_duration_seconds_sum{route=\"" + key + "\"} " + seconds_text(us, 6) + "\n";
    line("qazna_http_request_duration_seconds_count", "route=\"" + key + "\"", cumulative);
  }
  out += "# TYPE qazna_orders_placed_total counter\n";
  line("qazna_orders_placed_total", "", metrics.orders_placed.load());
  out += "# TYPE qazna_orders_rejected_total counter\n";
  line("qazna_orders_rejected_total", "", metrics.orders_rejected.load());
  out += "# TYPE qazna_trades_total counter\n";
  line("qazna_trades_total", "", metrics.trades.load());
  out += "# HELP qazna_block_height The newest durable block.\n# TYPE qazna_block_height gauge\n";
  line("qazna_block_height", "", node->height());
  out += "# TYPE qazna_blocks_projected_total counter\n";
  line("qazna_blocks_projected_total", "", metrics.blocks_projected.load());
  out += "# HELP qazna_commit_seconds Order submission to durable block (queue, apply, write, fsync), summed.\n"
         "# TYPE qazna_commit_seconds summary\n";
  const uint64_t commit_us = metrics.commit_us_sum.load();
  out += "qazna_commit_seconds_sum " + seconds_text(commit_us, 6) + "\n";
  line("qazna_commit_seconds_count", "", metrics.commits.load());
  const Node::JournalStats journal = node->journal_stats();
  // A histogram of the journal's (Node::kCommitBucketUs buckets, a sum in ns); the count is the buckets' sum, so
  // that it agrees with them even while commits go on.
  const auto journal_histogram = [&](const std::string& name, const char* help,
                                     const std::array<uint64_t, Node::kCommitBucketUs.size()>& buckets,
                                     uint64_t sum_ns) {
    out += "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
    uint64_t count = 0;
    for (size_t b = 0; b < buckets.size(); b++) {
      count += buckets[b];
      const uint64_t bound = Node::kCommitBucketUs[b];
      line(name + "_bucket", "le=\"" + (bound == UINT64_MAX ? std::string("+Inf") : le_text(bound)) + "\"", count);
    }
    out += name + "_sum " + seconds_text(sum_ns, 9) + "\n";
    line(name + "_count", "", count);
  };
  journal_histogram("qazna_journal_commit_seconds",
                    "Writing and committing blocks to journal.db (group commit, fsync).", journal.commit_buckets,
                    journal.commit_ns);
  out += "# HELP qazna_journal_commit_max_seconds The slowest journal commit since the start.\n"
         "# TYPE qazna_journal_commit_max_seconds gauge\n";
  out += "qazna_journal_commit_max_seconds " + seconds_text(journal.max_commit_ns, 9) + "\n";
  out += "# TYPE qazna_journal_blocks_written_total counter\n";
  line("qazna_journal_blocks_written_total", "", journal.blocks);
  journal_histogram("qazna_journal_queue_wait_seconds",
                    "Submissions' wait in the journal's queue before sequencing (behind the journal thread's "
                    "current cycle).",
                    journal.queue_wait_buckets, journal.queue_wait_ns);
  out += "# HELP qazna_journal_snapshots_total Engine snapshots taken.\n# TYPE qazna_journal_snapshots_total counter\n";
  line("qazna_journal_snapshots_total", "", journal.snapshots);
  out += "# HELP qazna_journal_snapshot_bytes The newest engine snapshot's size.\n"
         "# TYPE qazna_journal_snapshot_bytes gauge\n";
  line("qazna_journal_snapshot_bytes", "", journal.snapshot_bytes);
  out +=
      "# HELP qazna_journal_wal_locked_bytes Bytes of the journal's WAL locked in memory (0: the lock was "
      "refused, and a commit may read WAL pages back from the disk).\n"
      "# TYPE qazna_journal_wal_locked_bytes gauge\n";
  line("qazna_journal_wal_locked_bytes", "", journal.wal_locked_bytes);
  out += "# HELP qazna_journal_snapshot_seconds How long taking the newest snapshot held the journal thread, and "
         "every submission with it.\n# TYPE qazna_journal_snapshot_seconds gauge\n";
  out += "qazna_journal_snapshot_seconds " + seconds_text(journal.snapshot_ns, 9) + "\n";
  out += "# HELP qazna_journal_snapshot_max_seconds The longest such hold since the start.\n"
         "# TYPE qazna_journal_snapshot_max_seconds gauge\n";
  out += "qazna_journal_snapshot_max_seconds " + seconds_text(journal.max_snapshot_ns, 9) + "\n";
  uint64_t request_ids = 0;
  node->with_engine([&](const Engine& engine) { request_ids = engine.requests().size(); });
  out += "# HELP qazna_engine_request_ids Request ids the engine remembers for idempotency, for good, in every "
         "snapshot. Orders' client order ids are not among them: those need only differ among open orders.\n"
         "# TYPE qazna_engine_request_ids gauge\n";
  line("qazna_engine_request_ids", "", request_ids);
  if (http) {
    const HttpCounters& counters = http->counters();
    out += "# TYPE qazna_connections_open gauge\n";
    line("qazna_connections_open", "", counters.connections_open.load());
    out += "# TYPE qazna_websocket_clients gauge\n";
    line("qazna_websocket_clients", "", counters.ws_open.load());
    out += "# TYPE qazna_websocket_subscriptions gauge\n";
    line("qazna_websocket_subscriptions", "", streams.subscriptions());
    out += "# TYPE qazna_websocket_messages_total counter\n";
    line("qazna_websocket_messages_total", "", streams.messages_sent());
    out += "# TYPE qazna_http_refused_total counter\n";
    line("qazna_http_refused_total", "reason=\"malformed_or_slow\"", counters.bad_requests.load());
    line("qazna_http_refused_total", "reason=\"too_many_connections\"", counters.connections_refused.load());
    line("qazna_http_refused_total", "reason=\"slow_websocket_reader\"", counters.ws_dropped_slow.load());
  }
  return out;
}

void Venue::Impl::reply(const CallPtr& call, int status, std::string body) {
  if (call->headers.empty()) {
    // Refused before the limiter's headers were made (parameters, authentication): still say the weight used.
    std::lock_guard guard(limiter_mutex);
    call->headers = limiter.headers(call->ip, call->identity.key_id, call->now_ms, false, RateDecision{});
  }
  HttpResponse response;
  response.status = status;
  response.body = std::move(body);
  response.headers = std::move(call->headers);
  finish_metrics(call, status);
  call->respond(std::move(response));
}

void Venue::Impl::reply_error(const CallPtr& call, const BinanceError& error) {
  reply(call, error.http_status, error.json());
}

void Venue::Impl::finish_metrics(const CallPtr& call, int status) {
  VenueMetrics::Route* counted = nullptr;
  if (call->route != nullptr) {
    const auto index = static_cast<size_t>(call->route - binance_routes().data());  // find_route's table
    QZ_ASSERT_LT(index, metrics.binance_routes.size());
    counted = metrics.binance_routes[index];
  } else {
    const std::string key = call->request.path == "/healthz" || call->request.path == "/metrics"
                                ? route_key("GET", call->request.path)
                            : call->request.path.starts_with("/v1/") ? route_key("GET", "/v1")
                                                                      : route_key("GET", "(unknown)");
    const auto it = metrics.routes.find(key);
    if (it != metrics.routes.end()) counted = it->second.get();
  }
  if (counted != nullptr) {
    VenueMetrics::Route& route = *counted;
    route.requests.fetch_add(1);
    if (status >= 400) route.errors.fetch_add(1);
    const auto elapsed_us = std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::steady_clock::now() - call->arrived)
                                .count();
    route.latency_us_sum.fetch_add(static_cast<uint64_t>(elapsed_us));
    const double elapsed_ms = static_cast<double>(elapsed_us) / 1000.0;
    size_t bucket = 0;
    while (bucket < 7 && elapsed_ms > VenueMetrics::kBucketMs[bucket]) bucket++;
    route.buckets[bucket].fetch_add(1);
  }
  if (options.log_requests) {
    const int64_t elapsed_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - call->arrived).count();
    LogLine(status >= 500 ? LogLevel::error : LogLevel::info, "request")
        .field("method", std::string_view(call->request.method))
        .field("path", std::string_view(call->request.path.size() <= 128 ? call->request.path
                                                                          : call->request.path.substr(0, 128)))
        .field("status", status)
        .field("ip", std::string_view(call->request.remote_ip))
        .field("user", call->identity.owner_user)
        .field("latency_us", elapsed_us);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket streams (streams.h)

bool Venue::on_ws_open(const HttpRequest& request, const std::shared_ptr<WsConnection>& connection) {
  if (impl_->stopped.load()) return false;
  return impl_->streams.open(request, connection);
}

void Venue::on_ws_message(const std::shared_ptr<WsConnection>& connection, std::string&& text) {
  impl_->streams.message(connection, text, static_cast<int64_t>(impl_->clock->now_ns() / 1'000'000));
}

void Venue::on_ws_closed(uint64_t connection_id) { impl_->streams.closed(connection_id); }

}  // namespace qz::server
