// The full-path order benchmark: see orders_bench.h. Not part of the core: it reads files and clocks.
#include "orders_bench.h"

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/assert.h"
#include "base/checked.h"
#include "bench/book/book_bench.h"
#include "engine/engine.h"
#include "market/book.h"
#include "bench/bench_util.h"

namespace qz::bench {

namespace {

constexpr uint32_t kBtc = 1;
constexpr uint32_t kKzt = 2;
// Accounts opened by the setup block, in this order; then each trader's BTC and KZT accounts.
constexpr uint64_t kIssuanceBtc = 1;
constexpr uint64_t kIssuanceKzt = 2;
constexpr uint64_t kFeeBtc = 3;
constexpr uint64_t kFeeKzt = 4;
constexpr uint64_t kFirstTraderAccount = 5;
constexpr uint64_t kFirstTrader = 1000;
constexpr uint32_t kMarket = 1;
constexpr int64_t kTickMinor = 50'00;  // 50.00 KZT
constexpr int64_t kLotMinor = 2'0000;  // 0.0002 BTC; tick x lot = 10^8 = 10^(BTC scale)
constexpr int64_t kNotionalPerTickLot = kTickMinor * kLotMinor / 1'0000'0000;  // KZT minor units
constexpr int64_t kMaxQtyLotsAllowed = 1'000'000;
constexpr uint32_t kMakerBps = 10;
constexpr uint32_t kTakerBps = 20;
constexpr uint32_t kOrderSlotMargin = 1'024;  // open orders allowed beyond the pre-pass's most resting + 1
constexpr uint64_t kGenesisTimeNs = 1'700'000'000'000'000'000;
constexpr uint64_t kBlockStepNs = 1'000'000;
static_assert(kTickMinor * kLotMinor % 1'0000'0000 == 0);

// What the untimed pre-pass through a bare OrderBook found.
struct Plan {
  std::vector<int64_t> replace_lots;  // remaining lots of each REPLACE, in stream order
  uint32_t max_resting = 0;
  ReplayCounts expected;  // trades and traded lots (measured part), resting at the end
};

// The stream as engine commands, cut into blocks.
struct Workload {
  std::vector<Command> setup;
  std::vector<Command> commands;
  std::vector<size_t> block_ends;  // exclusive end of each block in `commands`
  size_t warmup_blocks = 0;        // blocks [0, warmup_blocks) are the warm-up
  uint64_t total_places = 0;       // place_order commands, warm-up included
  uint64_t measured_commands = 0;
  uint64_t measured_places = 0;
  uint64_t measured_cancels = 0;  // lone cancel_order commands
  uint64_t measured_pairs = 0;    // cancel-replace pairs
  int64_t fund_btc_minor = 0;     // per trader
  int64_t fund_kzt_minor = 0;
  uint32_t orders_per_market = 0;
};

struct RunResult {
  uint64_t apply_ns = 0;  // sum over measured blocks of the Engine::apply call alone
  uint64_t loop_ns = 0;   // wall time of the measured loop, the bench's event scans included
  std::vector<uint64_t> block_ns;
  uint64_t events = 0;  // measured
  uint64_t kind_counts[kMaxEventKind + 1] = {};
  uint64_t trades = 0;                      // measured
  uint64_t traded_lots = 0;                 // measured
  std::map<uint32_t, uint64_t> rejections;  // by result code, every block
  uint64_t id_mismatches = 0;               // order_accepted ids other than predicted
  uint64_t malformed = 0;                   // order_filled not following its trade as expected
  int64_t fees_btc = 0;                     // from order_filled events, every block
  int64_t fees_kzt = 0;
  uint64_t resting = 0;
  uint64_t next_order_id = 0;
  Hash256 state_hash;
  std::string problems;  // invariant, conservation and setup failures; empty when none
};

// Reads one block's events: counts, rejections, predicted order ids, trades and fees by asset.
class EventScan {
 public:
  explicit EventScan(RunResult* result) : result_(result) {}

  void scan(const std::vector<Event>& events, bool measured) {
    for (const Event& event : events) {
      const EventKind kind = event.event_kind();
      if (measured) {
        result_->events++;
        if (event.kind <= kMaxEventKind) result_->kind_counts[event.kind]++;
      }
      if (pending_fills_ > 0 && kind != EventKind::order_filled) {
        result_->malformed++;
        pending_fills_ = 0;
      }
      switch (kind) {
        case EventKind::rejected:
        case EventKind::duplicate: result_->rejections[event.result]++; break;
        case EventKind::order_accepted:
          if (event.order_accepted.order != next_order_id_) result_->id_mismatches++;
          next_order_id_ = event.order_accepted.order + 1;
          break;
        case EventKind::trade:
          if (measured) {
            result_->trades++;
            result_->traded_lots += static_cast<uint64_t>(event.trade.qty_minor / kLotMinor);
          }
          taker_buys_ = event.trade.taker_side == static_cast<uint8_t>(OrderSideCode::buy);
          pending_fills_ = 2;
          break;
        case EventKind::order_filled: {
          if (pending_fills_ == 0) {
            result_->malformed++;
            break;
          }
          // The maker's fill comes first, then the taker's; a fee is in the asset its order spends.
          const bool maker = pending_fills_ == 2;
          const bool buyer = maker != taker_buys_;
          (buyer ? result_->fees_kzt : result_->fees_btc) += event.order_filled.fee_minor;
          pending_fills_--;
          break;
        }
        default: break;
      }
    }
  }

 private:
  RunResult* result_;
  uint64_t next_order_id_ = 1;
  int pending_fills_ = 0;
  bool taker_buys_ = false;
};

uint64_t trader_of(uint32_t stream_id, uint32_t traders) { return kFirstTrader + stream_id % traders; }

// Keeps the first max_records records: warm-up at most half of them, n_orders the NEW ids they create.
LbopsStream truncated(const LbopsStream& stream, uint64_t max_records) {
  LbopsStream out;
  out.n_ops = std::min(stream.n_ops, max_records);
  out.warmup = std::min(stream.warmup, out.n_ops / 2);
  out.file_sha256 = stream.file_sha256;
  out.records.assign(stream.records.begin(), stream.records.begin() + static_cast<ptrdiff_t>(out.n_ops));
  for (const LbopsRecord& record : out.records) out.n_orders += record.type == 0 ? 1 : 0;
  if (out.n_orders == 0) out.n_orders = 1;
  return out;
}

// The untimed pre-pass: the stream through a bare book, for each REPLACE's remaining quantity, the most orders
// resting at once and the expected counts.
Status plan_stream(const LbopsStream& stream, uint32_t window_levels, Plan* plan) {
  OrderBook book(book_config_for(stream, window_levels));
  CountingSink fills;  // the bare book's fills in the pre-pass
  for (uint64_t i = 0; i < stream.n_ops; i++) {
    if (i == stream.warmup) fills = CountingSink{};
    const LbopsRecord& record = stream.records[i];
    bool missed = false;
    switch (record.type) {
      case 0: {
        const LimitOrder order{.order_id = record.id,
                               .side = record.is_buy != 0 ? Side::buy : Side::sell,
                               .price_ticks = static_cast<int64_t>(record.price),
                               .qty_lots = static_cast<int64_t>(record.qty),
                               .time_in_force = record.ioc != 0 ? TimeInForce::ioc : TimeInForce::gtc,
                               .post_only = false};
        missed = book.add(order, fills).status == AddStatus::book_full;
        break;
      }
      case 1: missed = !book.cancel(record.id).found; break;
      default: {
        RestingOrder resting{};
        missed = !book.find(record.id, &resting);
        if (!missed) {
          plan->replace_lots.push_back(resting.qty_lots + resting.hidden_lots);
          book.replace(record.id, static_cast<int64_t>(record.price), fills);
        }
        break;
      }
    }
    if (missed) {
      return Status::error("record " + std::to_string(i) + " (id " + std::to_string(record.id) +
                           ") targets no resting order in the bare book; the engine would refuse it");
    }
    plan->max_resting = std::max(plan->max_resting, book.resting_count());
  }
  plan->expected = ReplayCounts{
      .trades = fills.trades, .traded_qty = fills.traded_qty, .resting = book.resting_count(), .misses = 0};
  return Status::ok();
}

Command with_request_id(Command command, const OrdersBenchOptions& options, uint64_t* last_request_id) {
  if (options.request_ids) command.request_id = ++*last_request_id;
  return command;
}

// Builds the setup block and every command of the stream, with the funding each trader needs.
Status build_workload(const LbopsStream& stream, const Plan& plan, const OrdersBenchOptions& options, Workload* out) {
  // Funding: every trader gets more than the whole stream's buys could reserve and spend at the highest price
  // any order names (fees at most 20 bps), and more than all its sells' quantity: twice each.
  int128 buy_lots = 0;
  int128 sell_lots = 0;
  int64_t max_price_ticks = 0;
  for (const LbopsRecord& record : stream.records) {
    if (record.type != 1) max_price_ticks = std::max(max_price_ticks, static_cast<int64_t>(record.price));
    if (record.type == 0) (record.is_buy != 0 ? buy_lots : sell_lots) += static_cast<int64_t>(record.qty);
  }
  const int128 fund_kzt = 2 * buy_lots * max_price_ticks * kNotionalPerTickLot + 1;
  const int128 fund_btc = 2 * sell_lots * kLotMinor + 1;
  const int128 limit = INT64_MAX / (static_cast<int128>(options.traders) + 1);
  if (fund_kzt > limit || fund_btc > limit) return Status::error("the stream is too large to fund every trader");
  if (static_cast<int128>(max_price_ticks) * kTickMinor > INT64_MAX / 4) return Status::error("prices too high");
  out->fund_kzt_minor = static_cast<int64_t>(fund_kzt);
  out->fund_btc_minor = static_cast<int64_t>(fund_btc);
  out->orders_per_market = plan.max_resting + 1 + kOrderSlotMargin;

  std::vector<Command>& setup = out->setup;
  setup.push_back(make_create_asset("BTC", 8));
  setup.push_back(make_create_asset("KZT", 2));
  if (options.rules_version > 1) setup.push_back(make_set_engine_rules(options.rules_version));
  setup.push_back(make_open_account(0, kBtc, AccountKind::issuance));
  setup.push_back(make_open_account(0, kKzt, AccountKind::issuance));
  setup.push_back(make_open_account(0, kBtc, AccountKind::fee_income));
  setup.push_back(make_open_account(0, kKzt, AccountKind::fee_income));
  for (uint32_t t = 0; t < options.traders; t++) {
    setup.push_back(make_open_account(kFirstTrader + t, kBtc, AccountKind::customer));
    setup.push_back(make_open_account(kFirstTrader + t, kKzt, AccountKind::customer));
  }
  for (uint32_t t = 0; t < options.traders; t++) {
    setup.push_back(make_transfer(kIssuanceBtc, kFirstTraderAccount + 2 * uint64_t{t}, out->fund_btc_minor));
    setup.push_back(make_transfer(kIssuanceKzt, kFirstTraderAccount + 2 * uint64_t{t} + 1, out->fund_kzt_minor));
  }
  setup.push_back(make_create_market(kBtc, kKzt, kTickMinor, kLotMinor, kLotMinor, kMaxQtyLotsAllowed * kLotMinor));
  setup.push_back(make_set_market_rules(kMarket, 0, 0, kMakerBps, kTakerBps, kFeeBtc, kFeeKzt));
  setup.push_back(make_set_market_status(kMarket, 1));

  // Engine order ids are dense from 1 in acceptance order, and every place below is accepted (checked).
  std::vector<uint64_t> engine_id(stream.n_orders, 0);
  std::vector<uint8_t> side(stream.n_orders, 0);
  uint64_t next_order_id = 1;
  uint64_t last_request_id = 0;
  size_t replace_index = 0;
  size_t block_start = 0;
  std::vector<Command>& commands = out->commands;
  commands.reserve(stream.n_ops + plan.replace_lots.size());
  const auto close_block = [&] {
    if (commands.size() > block_start) out->block_ends.push_back(commands.size());
    block_start = commands.size();
  };
  for (uint64_t i = 0; i < stream.n_ops; i++) {
    const bool measured = i >= stream.warmup;
    if (i == stream.warmup) {
      close_block();
      out->warmup_blocks = out->block_ends.size();
    }
    const LbopsRecord& record = stream.records[i];
    const uint64_t owner = trader_of(record.id, options.traders);
    const size_t before = commands.size();
    switch (record.type) {
      case 0: {
        side[record.id] = static_cast<uint8_t>(record.is_buy != 0 ? OrderSideCode::buy : OrderSideCode::sell);
        commands.push_back(
            with_request_id(make_place_order(owner, kMarket, static_cast<OrderSideCode>(side[record.id]),
                                             OrderType::limit, record.ioc != 0 ? OrderTif::ioc : OrderTif::gtc,
                                             static_cast<int64_t>(record.price) * kTickMinor,
                                             static_cast<int64_t>(record.qty) * kLotMinor),
                            options, &last_request_id));
        engine_id[record.id] = next_order_id++;
        out->measured_places += measured ? 1 : 0;
        break;
      }
      case 1:
        QZ_ASSERT(engine_id[record.id] != 0);
        commands.push_back(
            with_request_id(make_cancel_order(owner, kMarket, engine_id[record.id]), options, &last_request_id));
        out->measured_cancels += measured ? 1 : 0;
        break;
      default: {
        QZ_ASSERT(engine_id[record.id] != 0 && replace_index < plan.replace_lots.size());
        Command cancel = make_cancel_order(owner, kMarket, engine_id[record.id]);
        cancel.flags = kFlagLinked;
        commands.push_back(with_request_id(cancel, options, &last_request_id));
        commands.push_back(with_request_id(
            make_place_order(owner, kMarket, static_cast<OrderSideCode>(side[record.id]), OrderType::limit,
                             OrderTif::gtc, static_cast<int64_t>(record.price) * kTickMinor,
                             plan.replace_lots[replace_index++] * kLotMinor),
            options, &last_request_id));
        engine_id[record.id] = next_order_id++;
        out->measured_places += measured ? 1 : 0;
        out->measured_pairs += measured ? 1 : 0;
        break;
      }
    }
    if (measured) out->measured_commands += commands.size() - before;
    if (commands.size() - block_start >= options.block_commands) close_block();
  }
  close_block();
  if (stream.warmup == stream.n_ops) out->warmup_blocks = out->block_ends.size();
  out->total_places = next_order_id - 1;
  QZ_ASSERT_EQ(replace_index, plan.replace_lots.size());
  return Status::ok();
}

// Per asset, all balances sum to zero; each fee account holds the fees the events reported.
std::string check_money(const Engine& engine, const RunResult& result) {
  const Ledger& ledger = engine.ledger();
  for (uint32_t asset = 1; asset <= ledger.asset_count(); asset++) {
    int128 sum = 0;
    for (uint64_t id = 1; id <= ledger.account_count(); id++) {
      const Account* account = ledger.account(id);
      if (account->asset == asset) sum += account->total_minor;
    }
    if (sum != 0) return "asset " + std::to_string(asset) + ": balances do not sum to zero";
  }
  if (ledger.account(kFeeBtc)->total_minor != result.fees_btc) {
    return "BTC fee account holds " + std::to_string(ledger.account(kFeeBtc)->total_minor) + ", fills charged " +
           std::to_string(result.fees_btc);
  }
  if (ledger.account(kFeeKzt)->total_minor != result.fees_kzt) {
    return "KZT fee account holds " + std::to_string(ledger.account(kFeeKzt)->total_minor) + ", fills charged " +
           std::to_string(result.fees_kzt);
  }
  return "";
}

RunResult run_once(const Workload& workload, const OrdersBenchOptions& options, std::vector<Event>* events) {
  RunResult result;
  LedgerLimits ledger_limits;
  if (options.request_ids) ledger_limits.reserved_request_ids = workload.setup.size() + workload.commands.size();
  MarketLimits market_limits;
  market_limits.orders_per_market = workload.orders_per_market;
  market_limits.window_levels = options.window_levels;
  auto engine = std::make_unique<Engine>(ledger_limits, market_limits);
  EventScan scan(&result);

  uint64_t time_ns = kGenesisTimeNs;
  events->clear();
  engine->apply(BlockInput{.height = 0, .time_ns = time_ns, .commands = workload.setup}, events);
  scan.scan(*events, false);
  if (!result.rejections.empty()) result.problems += "setup: a command was rejected; ";
  for (uint32_t t = 0; t < options.traders; t++) {
    if (engine->exchange().trading_account(kFirstTrader + t, kBtc) != kFirstTraderAccount + 2 * uint64_t{t} ||
        engine->exchange().trading_account(kFirstTrader + t, kKzt) != kFirstTraderAccount + 2 * uint64_t{t} + 1) {
      result.problems += "setup: trading accounts are not where expected; ";
      break;
    }
  }

  const std::span<const Command> commands(workload.commands);
  result.block_ns.reserve(workload.block_ends.size() - workload.warmup_blocks);
  size_t begin = 0;
  std::vector<Command> block_buffer;
  std::chrono::steady_clock::time_point loop_start;
  for (size_t block = 0; block < workload.block_ends.size(); block++) {
    const bool measured = block >= workload.warmup_blocks;
    if (block == workload.warmup_blocks) loop_start = std::chrono::steady_clock::now();
    const size_t end = workload.block_ends[block];
    time_ns += kBlockStepNs;
    events->clear();
    // The block's commands are copied into the block buffer first, untimed, as the node receives a block from
    // the sequencer just before applying it: apply reads commands that were just written, not a cold
    // megabyte-sized stream.
    block_buffer.assign(commands.begin() + static_cast<std::ptrdiff_t>(begin),
                        commands.begin() + static_cast<std::ptrdiff_t>(end));
    const BlockInput input{.height = engine->next_height(), .time_ns = time_ns, .commands = block_buffer};
    const auto start = std::chrono::steady_clock::now();
    engine->apply(input, events);
    const auto stop = std::chrono::steady_clock::now();
    if (measured) {
      const auto ns = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count());
      result.apply_ns += ns;
      result.block_ns.push_back(ns);
    }
    scan.scan(*events, measured);
    begin = end;
  }
  if (workload.warmup_blocks < workload.block_ends.size()) {
    result.loop_ns = static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - loop_start).count());
  }

  const MarketState* market = engine->exchange().market(kMarket);
  result.resting = market == nullptr ? 0 : market->book->resting_count();
  result.next_order_id = engine->exchange().next_order_id();
  const std::string invariants = engine->check_invariants();
  if (!invariants.empty()) result.problems += "invariant: " + invariants + "; ";
  const std::string money = check_money(*engine, result);
  if (!money.empty()) result.problems += "money: " + money + "; ";
  result.state_hash = engine->state_hash();
  return result;
}

double per_second(uint64_t count, uint64_t ns) { return ns == 0 ? 0.0 : double(count) * 1e9 / double(ns); }

}  // namespace

int run_orders_bench(const OrdersBenchOptions& options) {
  if (options.runs == 0 || options.block_commands == 0 || options.traders == 0) {
    std::fprintf(stderr, "bench orders: runs, block size and traders must be at least 1\n");
    return 2;
  }
  LbopsStream loaded;
  const Status status = load_lbops(options.path, &loaded);
  if (!status.is_ok()) {
    std::fprintf(stderr, "bench orders: %s: %s\n", options.path.c_str(), status.message().c_str());
    return 2;
  }
  const LbopsReference* reference = find_lbops_reference(loaded.file_sha256);
  const bool whole = options.max_records == 0 || options.max_records >= loaded.n_ops;
  const LbopsStream stream = whole ? std::move(loaded) : truncated(loaded, options.max_records);

  Plan plan;
  Status planned = plan_stream(stream, options.window_levels, &plan);
  Workload workload;
  if (planned.is_ok()) planned = build_workload(stream, plan, options, &workload);
  if (!planned.is_ok()) {
    std::fprintf(stderr, "bench orders: %s: %s\n", options.path.c_str(), planned.message().c_str());
    return 2;
  }
  if (options.cpu >= 0 && !pin_to_cpu(options.cpu)) {
    std::fprintf(stderr, "bench orders: cannot pin to cpu %d\n", options.cpu);
    return 2;
  }

  const uint64_t measured_records = stream.n_ops - stream.warmup;
  uint64_t mix[3] = {0, 0, 0};
  uint64_t ioc = 0;
  for (uint64_t i = stream.warmup; i < stream.n_ops; i++) {
    mix[stream.records[i].type]++;
    ioc += stream.records[i].type == 0 && stream.records[i].ioc != 0 ? 1 : 0;
  }
  const auto percent = [](uint64_t part, uint64_t all) { return all == 0 ? 0.0 : 100.0 * double(part) / double(all); };
  const size_t measured_blocks = workload.block_ends.size() - workload.warmup_blocks;
  std::printf("bench orders: %s\n", options.path.c_str());
  std::printf("  stream: %s, sha256 %s%s\n", reference != nullptr ? reference->name : "not a public stream",
              stream.file_sha256.hex().c_str(),
              whole ? "" : (" (first " + std::to_string(stream.n_ops) + " records only)").c_str());
  std::printf("  records: %" PRIu64 " (%" PRIu64 " warm-up, untimed + %" PRIu64
              " measured); measured mix: new %.1f%%"
              " (of which IOC %.1f%%), cancel %.1f%%, replace %.1f%%\n",
              stream.n_ops, stream.warmup, measured_records, percent(mix[0], measured_records),
              percent(ioc, measured_records), percent(mix[1], measured_records), percent(mix[2], measured_records));
  std::printf("  commands (measured): %" PRIu64 " = %" PRIu64 " place_order + %" PRIu64 " cancel_order + %" PRIu64
              " cancel-replace pairs (linked cancel_order + place_order); request ids: %s\n",
              workload.measured_commands, workload.measured_places - workload.measured_pairs, workload.measured_cancels,
              workload.measured_pairs, options.request_ids ? "one per command" : "none (0)");
  std::printf("  engine rules version %u%s\n", options.rules_version,
              options.rules_version > 1 ? " (place_order request ids are client order ids, not remembered)" : "");
  std::printf(
      "  market: BTC/KZT, tick 50.00 KZT, lot 0.0002 BTC, no band, fees maker %u / taker %u bps, STP none;"
      " %u open orders allowed (pre-pass: at most %u resting), window %u levels\n",
      kMakerBps, kTakerBps, workload.orders_per_market, plan.max_resting, options.window_levels);
  std::printf("  owners: %u traders (owner = %" PRIu64 " + stream id %% %u), each funded with %" PRId64
              " BTC minor and %" PRId64 " KZT minor\n",
              options.traders, kFirstTrader, options.traders, workload.fund_btc_minor, workload.fund_kzt_minor);
  std::printf(
      "  blocks: %zu commands of setup, %zu warm-up blocks, %zu measured blocks of ~%u commands; %u timed"
      " run%s on fresh engines, only Engine::apply timed (per block)%s\n",
      workload.setup.size(), workload.warmup_blocks, measured_blocks, options.block_commands, options.runs,
      options.runs == 1 ? "" : "s", options.cpu >= 0 ? (", pinned to cpu " + std::to_string(options.cpu)).c_str() : "");

  bool ok = true;
  const auto fail = [&ok](const std::string& what) {
    std::printf("  CHECK FAILED: %s\n", what.c_str());
    std::fprintf(stderr, "bench orders: CHECK FAILED: %s\n", what.c_str());
    ok = false;
  };

  std::vector<Event> events;
  events.reserve(static_cast<size_t>(options.block_commands) * 16);
  std::vector<RunResult> results;
  std::vector<uint64_t> all_block_ns;
  for (uint32_t run = 0; run < options.runs; run++) {
    results.push_back(run_once(workload, options, &events));
    const RunResult& r = results.back();
    all_block_ns.insert(all_block_ns.end(), r.block_ns.begin(), r.block_ns.end());
    std::printf("  run %u: %" PRIu64
                " commands in %.3f ms of apply = %.2fM commands/s, %.2fM orders/s, %.2fM"
                " records/s (%.1f ns/command); measured loop with event scan %.3f ms; trades %" PRIu64 "\n",
                run + 1, workload.measured_commands, double(r.apply_ns) / 1e6,
                per_second(workload.measured_commands, r.apply_ns) / 1e6,
                per_second(workload.measured_places, r.apply_ns) / 1e6, per_second(measured_records, r.apply_ns) / 1e6,
                workload.measured_commands == 0 ? 0.0 : double(r.apply_ns) / double(workload.measured_commands),
                double(r.loop_ns) / 1e6, r.trades);
    if (!r.problems.empty()) fail("run " + std::to_string(run + 1) + ": " + r.problems);
    if (run > 0 && (r.state_hash != results[0].state_hash || r.trades != results[0].trades)) {
      fail("run " + std::to_string(run + 1) + " differs from run 1 (state hash or trades)");
    }
  }

  std::vector<uint64_t> sorted_ns;
  uint64_t best_ns = UINT64_MAX;
  for (const RunResult& r : results) {
    sorted_ns.push_back(r.apply_ns);
    best_ns = std::min(best_ns, r.apply_ns);
  }
  std::sort(sorted_ns.begin(), sorted_ns.end());
  const uint64_t median_ns = sorted_ns[sorted_ns.size() / 2];
  const RunResult& first = results[0];
  std::printf(
      "  median of %u: %.2fM orders/s (place_order commands), %.2fM commands/s, %.2fM records/s;"
      " %.1f ns/command, %.1f ns/record (best run: %.2fM orders/s)\n",
      options.runs, per_second(workload.measured_places, median_ns) / 1e6,
      per_second(workload.measured_commands, median_ns) / 1e6, per_second(measured_records, median_ns) / 1e6,
      workload.measured_commands == 0 ? 0.0 : double(median_ns) / double(workload.measured_commands),
      measured_records == 0 ? 0.0 : double(median_ns) / double(measured_records),
      per_second(workload.measured_places, best_ns) / 1e6);
  // Issue 3's full-path target, read as order commands through Engine::apply (docs/benchmarks.md says why).
  const double commands_per_s = per_second(workload.measured_commands, median_ns);
  std::printf("  target >= 5M orders/s, counted as order commands through Engine::apply (place_order and"
              " cancel_order; a cancel-replace is both): %s (%.2fM/s); new orders alone: %.2fM/s\n",
              commands_per_s >= 5e6 ? "met" : "NOT met", commands_per_s / 1e6,
              per_second(workload.measured_places, median_ns) / 1e6);
  if (!all_block_ns.empty()) {
    std::sort(all_block_ns.begin(), all_block_ns.end());
    const auto at = [&](uint64_t per_million) {
      const uint64_t n = all_block_ns.size();
      return double(all_block_ns[std::min<uint64_t>(n - 1, n * per_million / 1'000'000)]) / 1e3;
    };
    std::printf(
        "  per-block apply latency (%zu blocks over all runs, ~%u commands each): p50 %.0f us, p99 %.0f us,"
        " p99.9 %.0f us, max %.0f us\n",
        all_block_ns.size(), options.block_commands, at(500'000), at(990'000), at(999'000),
        double(all_block_ns.back()) / 1e3);
  }
  std::printf("  events (measured): %" PRIu64 " = %.2f per command:", first.events,
              workload.measured_commands == 0 ? 0.0 : double(first.events) / double(workload.measured_commands));
  for (uint16_t kind = 0; kind <= kMaxEventKind; kind++) {
    if (first.kind_counts[kind] != 0) {
      std::printf(" %s %" PRIu64, event_kind_name(static_cast<EventKind>(kind)), first.kind_counts[kind]);
    }
  }
  std::printf("\n  fees charged (all blocks): %" PRId64 " BTC minor, %" PRId64 " KZT minor; final: %" PRIu64
              " resting, state hash %s\n",
              first.fees_btc, first.fees_kzt, first.resting, first.state_hash.hex().c_str());

  // Every command accepted, with the order ids the workload predicted.
  if (!first.rejections.empty()) {
    std::string list;
    for (const auto& [code, count] : first.rejections) {
      list.append(" ").append(result_name(static_cast<Result>(code))).append(" x").append(std::to_string(count));
    }
    fail("rejected commands:" + list);
  }
  if (first.id_mismatches != 0 || first.next_order_id != workload.total_places + 1) {
    fail("order ids differ from the prediction: " + std::to_string(first.next_order_id - 1) + " orders accepted, " +
         std::to_string(workload.total_places) + " predicted, " + std::to_string(first.id_mismatches) +
         " out of sequence");
  }
  if (first.malformed != 0) fail("order_filled events not in trade, maker, taker order");
  // The engine's matching equals the bare book's, and the README's for a whole public stream.
  const ReplayCounts got{
      .trades = first.trades, .traded_qty = first.traded_lots, .resting = first.resting, .misses = 0};
  const auto compare = [&](const ReplayCounts& want, const char* source) {
    const bool same = got == want;
    std::printf("  checksums vs %s: trades %" PRIu64 " / %" PRIu64 ", traded qty (lots) %" PRIu64 " / %" PRIu64
                ", resting %" PRIu64 " / %" PRIu64 " (engine / %s) -> %s\n",
                source, got.trades, want.trades, got.traded_qty, want.traded_qty, got.resting, want.resting, source,
                same ? "match" : "DIFFER");
    if (!same) fail(std::string("counts differ from ") + source);
  };
  compare(plan.expected, "bare-book pre-pass");
  if (whole && reference != nullptr) compare(reference->counts, "README table");
  std::printf("check: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace qz::bench
