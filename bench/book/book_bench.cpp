// The order-book replay benchmark: see book_bench.h. Not part of the core: it reads files, clocks and the TSC.
#include "book_bench.h"

#include <x86intrin.h>

#include <algorithm>
#include <cerrno>
#include <bit>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#ifdef QZ_HAVE_ZSTD
#include <zstd.h>
#endif

#include "base/assert.h"
#include "bench/bench_util.h"

namespace qz::bench {

static_assert(std::endian::native == std::endian::little, "LBOPS1 records are read in place as little endian");

namespace {

constexpr char kMagic[8] = {'L', 'B', 'O', 'P', 'S', '1', '\0', '\0'};
constexpr size_t kHeaderSize = 32;

const LbopsReference kReferences[] = {
    {"pub_W1", "d5985cbf824a919c1183642ef60d117e6f100764c0e4e791c196dcbf6b08e7d4",
     {.trades = 275'169, .traded_qty = 8'673'564, .resting = 2'743, .misses = 0}},
    {"pub_W2", "08219ff821d7720a5c25e4e600f598df1db4a76628a89e011039f516137112dc",
     {.trades = 30'060, .traded_qty = 251'286, .resting = 983, .misses = 0}},
    {"pub_W3", "0e1ba08c6f537c145a5886c90edd654936d22146ee97d30607bd610ae05ff4ad",
     {.trades = 49'372, .traded_qty = 1'686'819, .resting = 199'998, .misses = 0}},
};

inline void apply(OrderBook& book, const LbopsRecord& record, CountingSink& sink, uint64_t* misses) {
  switch (record.type) {
    case 0: {
      const LimitOrder order{.order_id = record.id,
                             .side = record.is_buy != 0 ? Side::buy : Side::sell,
                             .price_ticks = static_cast<int64_t>(record.price),
                             .qty_lots = static_cast<int64_t>(record.qty),
                             .time_in_force = record.ioc != 0 ? TimeInForce::ioc : TimeInForce::gtc,
                             .post_only = false};
      if (book.add(order, sink).status == AddStatus::book_full) ++*misses;
      break;
    }
    case 1:
      if (!book.cancel(record.id).found) ++*misses;
      break;
    default:
      if (book.replace(record.id, static_cast<int64_t>(record.price), sink).status == AddStatus::not_found) {
        ++*misses;
      }
      break;
  }
}

void apply_range(OrderBook& book, const LbopsRecord* begin, const LbopsRecord* end, CountingSink& sink,
                 uint64_t* misses) {
  for (const LbopsRecord* record = begin; record != end; ++record) apply(book, *record, sink, misses);
}

uint64_t tsc_begin() {
  _mm_lfence();
  const uint64_t t = __rdtsc();
  _mm_lfence();
  return t;
}

uint64_t tsc_end() {
  unsigned int aux = 0;
  const uint64_t t = __rdtscp(&aux);
  _mm_lfence();
  return t;
}

std::string format_rate(double ops_per_second) {
  char text[64];
  std::snprintf(text, sizeof text, "%.2fM ops/s", ops_per_second / 1e6);
  return text;
}

Status read_file(const std::string& path, std::vector<uint8_t>* out) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (file == nullptr) return Status::error("cannot open " + path + ": " + std::strerror(errno));
  out->clear();
  uint8_t chunk[1 << 16];
  size_t got = 0;
  while ((got = std::fread(chunk, 1, sizeof chunk, file)) > 0) out->insert(out->end(), chunk, chunk + got);
  const bool failed = std::ferror(file) != 0;
  std::fclose(file);
  if (failed) return Status::error("cannot read " + path);
  return Status::ok();
}

bool is_zstd_frame(const std::vector<uint8_t>& bytes) {
  return bytes.size() >= 4 && bytes[0] == 0x28 && bytes[1] == 0xB5 && bytes[2] == 0x2F && bytes[3] == 0xFD;
}

Status decompress_zstd(const std::vector<uint8_t>& compressed, std::vector<uint8_t>* out) {
#ifdef QZ_HAVE_ZSTD
  ZSTD_DStream* stream = ZSTD_createDStream();
  if (stream == nullptr) return Status::error("zstd: out of memory");
  out->clear();
  std::vector<uint8_t> chunk(ZSTD_DStreamOutSize());
  ZSTD_inBuffer input{compressed.data(), compressed.size(), 0};
  // Until every frame is complete (0) and all input used; stops when no progress can be made (truncated).
  for (;;) {
    ZSTD_outBuffer output{chunk.data(), chunk.size(), 0};
    const size_t hint = ZSTD_decompressStream(stream, &output, &input);
    if (ZSTD_isError(hint)) {
      const std::string message = ZSTD_getErrorName(hint);
      ZSTD_freeDStream(stream);
      return Status::error("zstd: " + message);
    }
    out->insert(out->end(), chunk.data(), chunk.data() + output.pos);
    if (input.pos == input.size) {
      if (hint == 0) break;
      if (output.pos < output.size) {
        ZSTD_freeDStream(stream);
        return Status::error("zstd: truncated frame");
      }
    }
  }
  ZSTD_freeDStream(stream);
  return Status::ok();
#else
  (void)compressed;
  (void)out;
  return Status::error("built without libzstd: decompress first (zstd -d FILE.zst)");
#endif
}

}  // namespace

Status parse_lbops(const std::vector<uint8_t>& bytes, LbopsStream* out) {
  if (bytes.size() < kHeaderSize) return Status::error("LBOPS1: shorter than its 32-byte header");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) return Status::error("LBOPS1: bad magic");
  uint64_t header[3];
  std::memcpy(header, bytes.data() + 8, sizeof header);
  const uint64_t n_ops = header[0];
  const uint64_t warmup = header[1];
  const uint64_t n_orders = header[2];
  if (n_ops > (bytes.size() - kHeaderSize) / sizeof(LbopsRecord) ||
      kHeaderSize + n_ops * sizeof(LbopsRecord) != bytes.size()) {
    return Status::error("LBOPS1: file size does not match n_ops = " + std::to_string(n_ops));
  }
  if (warmup > n_ops) return Status::error("LBOPS1: warmup exceeds n_ops");
  if (n_orders == 0 || n_orders >= UINT32_MAX) return Status::error("LBOPS1: n_orders out of range");
  out->n_ops = n_ops;
  out->warmup = warmup;
  out->n_orders = n_orders;
  out->file_sha256 = sha256(bytes.data(), bytes.size());
  out->records.resize(n_ops);
  if (n_ops > 0) std::memcpy(out->records.data(), bytes.data() + kHeaderSize, n_ops * sizeof(LbopsRecord));
  uint64_t next_new_id = 0;
  static constexpr uint8_t kZero[8] = {};
  for (uint64_t i = 0; i < n_ops; i++) {
    const LbopsRecord& r = out->records[i];
    const auto bad = [i](const char* what) {
      return Status::error("LBOPS1: record " + std::to_string(i) + ": " + what);
    };
    if (r.type > 2) return bad("type is not 0, 1 or 2");
    if (r.pad != 0 || std::memcmp(r.zero, kZero, sizeof kZero) != 0) return bad("padding is not zero");
    if (r.id >= n_orders) return bad("id >= n_orders");
    if (r.type == 0) {
      if (r.id != next_new_id) return bad("NEW ids are not dense in order of appearance");
      next_new_id++;
      if (r.is_buy > 1 || r.ioc > 1) return bad("is_buy / ioc is not 0 or 1");
      if (r.qty < 1 || r.qty > static_cast<uint64_t>(kMaxQtyLots)) return bad("qty out of range");
    }
    if (r.type != 1 && (r.price < 1 || r.price > static_cast<uint64_t>(kMaxPriceTicks))) {
      return bad("price out of range");
    }
    if (r.type != 0 && r.id >= next_new_id) return bad("cancel or replace of an id not yet created");
  }
  return Status::ok();
}

Status load_lbops(const std::string& path, LbopsStream* out) {
  std::vector<uint8_t> bytes;
  QZ_TRY(read_file(path, &bytes));
  if (is_zstd_frame(bytes)) {
    std::vector<uint8_t> plain;
    QZ_TRY(decompress_zstd(bytes, &plain));
    bytes.swap(plain);
  }
  return parse_lbops(bytes, out);
}

BookConfig book_config_for(const LbopsStream& stream, uint32_t window_levels) {
  // Never more orders rest than were created, so n_orders nodes can never run out.
  return BookConfig{.order_capacity = static_cast<uint32_t>(stream.n_orders),
                    .id_capacity = static_cast<uint32_t>(stream.n_orders),
                    .window_levels = window_levels,
                    .initial_centre_ticks = 0};
}

ReplayCounts replay_lbops(const LbopsStream& stream, OrderBook* book) {
  CountingSink sink;
  uint64_t misses = 0;
  const LbopsRecord* records = stream.records.data();
  apply_range(*book, records, records + stream.warmup, sink, &misses);
  sink.trades = 0;
  sink.traded_qty = 0;
  apply_range(*book, records + stream.warmup, records + stream.n_ops, sink, &misses);
  return ReplayCounts{.trades = sink.trades, .traded_qty = sink.traded_qty, .resting = book->resting_count(),
                      .misses = misses};
}

const LbopsReference* find_lbops_reference(const Hash256& file_sha256) {
  const std::string hex = file_sha256.hex();
  for (const LbopsReference& reference : kReferences) {
    if (hex == reference.sha256_hex) return &reference;
  }
  return nullptr;
}

int run_book_bench(const BookBenchOptions& options) {
  if (options.runs == 0) {
    std::fprintf(stderr, "bench book: runs must be at least 1\n");
    return 2;
  }
  LbopsStream stream;
  const Status loaded = load_lbops(options.path, &stream);
  if (!loaded.is_ok()) {
    std::fprintf(stderr, "bench book: %s: %s\n", options.path.c_str(), loaded.message().c_str());
    return 2;
  }
  if (options.cpu >= 0 && !pin_to_cpu(options.cpu)) {
    std::fprintf(stderr, "bench book: cannot pin to cpu %d\n", options.cpu);
    return 2;
  }
  const LbopsReference* reference = find_lbops_reference(stream.file_sha256);
  const uint64_t measured = stream.n_ops - stream.warmup;
  uint64_t mix[3] = {0, 0, 0};
  uint64_t ioc = 0;
  for (uint64_t i = stream.warmup; i < stream.n_ops; i++) {
    mix[stream.records[i].type]++;
    ioc += stream.records[i].type == 0 && stream.records[i].ioc != 0 ? 1 : 0;
  }
  const auto percent = [measured](uint64_t part) { return measured == 0 ? 0.0 : 100.0 * double(part) / double(measured); };
  std::printf("bench book: %s\n", options.path.c_str());
  std::printf("  stream: %s, sha256 %s\n", reference != nullptr ? reference->name : "not a public stream",
              stream.file_sha256.hex().c_str());
  std::printf("  records: %" PRIu64 " (%" PRIu64 " warm-up, untimed + %" PRIu64 " measured); %" PRIu64
              " order ids\n",
              stream.n_ops, stream.warmup, measured, stream.n_orders);
  std::printf("  measured mix: new %.1f%% (of which IOC %.1f%%), cancel %.1f%%, replace %.1f%%\n", percent(mix[0]),
              percent(ioc), percent(mix[1]), percent(mix[2]));
  const BookConfig config = book_config_for(stream, options.window_levels);
  std::printf("  book: window %u levels, %u pooled order nodes, id table %u; %u timed run%s on fresh books%s\n",
              config.window_levels, config.order_capacity, config.id_capacity, options.runs,
              options.runs == 1 ? "" : "s",
              options.cpu >= 0 ? (", pinned to cpu " + std::to_string(options.cpu)).c_str() : "");

  bool ok = true;
  std::vector<double> run_ns;
  ReplayCounts first_counts;
  Hash256 first_hash;
  uint64_t recentres = 0;
  size_t overflow_levels = 0;
  int64_t best_bid_ticks = OrderBook::kNoBid;
  int64_t best_ask_ticks = OrderBook::kNoAsk;
  for (uint32_t run = 0; run < options.runs; run++) {
    auto book = std::make_unique<OrderBook>(config);
    CountingSink sink;
    uint64_t misses = 0;
    const LbopsRecord* records = stream.records.data();
    apply_range(*book, records, records + stream.warmup, sink, &misses);
    sink.trades = 0;
    sink.traded_qty = 0;
    const auto start = std::chrono::steady_clock::now();
    apply_range(*book, records + stream.warmup, records + stream.n_ops, sink, &misses);
    const auto stop = std::chrono::steady_clock::now();
    const double ns = double(std::chrono::duration_cast<std::chrono::nanoseconds>(stop - start).count());
    run_ns.push_back(ns);
    const ReplayCounts counts{.trades = sink.trades, .traded_qty = sink.traded_qty,
                              .resting = book->resting_count(), .misses = misses};
    const std::string invariants = book->check_invariants();
    const Hash256 hash = book->state_hash();
    std::printf("  run %u: %" PRIu64 " ops in %.3f ms = %s (%.1f ns/op); trades %" PRIu64 ", traded qty %" PRIu64
                ", resting %" PRIu64 "\n",
                run + 1, measured, ns / 1e6, format_rate(double(measured) * 1e9 / ns).c_str(),
                ns / double(measured ? measured : 1), counts.trades, counts.traded_qty, counts.resting);
    if (!invariants.empty()) {
      std::printf("  CHECK FAILED: run %u: book invariant broken: %s\n", run + 1, invariants.c_str());
      ok = false;
    }
    if (run == 0) {
      first_counts = counts;
      first_hash = hash;
      recentres = book->recentre_count();
      overflow_levels = book->overflow_level_count();
      best_bid_ticks = book->best_bid_ticks();
      best_ask_ticks = book->best_ask_ticks();
    } else if (!(counts == first_counts) || hash != first_hash) {
      std::printf("  CHECK FAILED: run %u differs from run 1 (counts or state hash)\n", run + 1);
      ok = false;
    }
  }
  std::vector<double> sorted = run_ns;
  std::sort(sorted.begin(), sorted.end());
  const double median_ns = sorted[sorted.size() / 2];
  std::printf("  median of %u: %s, %.1f ns/op\n", options.runs,
              format_rate(double(measured) * 1e9 / median_ns).c_str(), median_ns / double(measured ? measured : 1));
  std::printf("  final book: %" PRIu64 " resting, best bid %" PRId64 ", best ask %" PRId64 ", state hash %s\n",
              first_counts.resting, best_bid_ticks, best_ask_ticks, first_hash.hex().c_str());
  std::printf("  ladder: window re-centred %" PRIu64 " times; %zu levels outside the window at the end\n", recentres,
              overflow_levels);

  if (options.latency && measured > 0) {
    auto book = std::make_unique<OrderBook>(config);
    CountingSink sink;
    uint64_t misses = 0;
    const LbopsRecord* records = stream.records.data();
    apply_range(*book, records, records + stream.warmup, sink, &misses);
    std::vector<uint64_t> cycles(measured);
    // Timer overhead: the cheapest of many empty pairs.
    uint64_t overhead = UINT64_MAX;
    for (int i = 0; i < 10'000; i++) {
      const uint64_t t0 = tsc_begin();
      const uint64_t t1 = tsc_end();
      overhead = std::min(overhead, t1 - t0);
    }
    const auto wall_start = std::chrono::steady_clock::now();
    const uint64_t tsc_start = tsc_begin();
    for (uint64_t i = 0; i < measured; i++) {
      const uint64_t t0 = tsc_begin();
      apply(*book, records[stream.warmup + i], sink, &misses);
      const uint64_t t1 = tsc_end();
      cycles[i] = t1 - t0;
    }
    const uint64_t tsc_stop = tsc_end();
    const auto wall_stop = std::chrono::steady_clock::now();
    const double wall_ns =
        double(std::chrono::duration_cast<std::chrono::nanoseconds>(wall_stop - wall_start).count());
    const double ns_per_cycle = wall_ns / double(tsc_stop - tsc_start);
    std::sort(cycles.begin(), cycles.end());
    const auto at = [&](uint64_t per_million) {
      const uint64_t index = std::min<uint64_t>(measured - 1, measured * per_million / 1'000'000);
      return double(cycles[index]) * ns_per_cycle;
    };
    std::printf("  per-op latency (separate pass, rdtsc around each op, TSC %.2f GHz, timer overhead %.0f ns"
                " included): p50 %.0f ns, p99 %.0f ns, p99.9 %.0f ns, p99.99 %.0f ns, max %.0f ns\n",
                1.0 / ns_per_cycle, double(overhead) * ns_per_cycle, at(500'000), at(990'000), at(999'000),
                at(999'900), double(cycles.back()) * ns_per_cycle);
  }

  const ReplayCounts* expected = nullptr;
  const char* source = "";
  if (options.has_expected) {
    expected = &options.expected;
    source = "given";
  } else if (reference != nullptr) {
    expected = &reference->counts;
    source = "README table";
  }
  if (first_counts.misses != 0) {
    std::printf("  CHECK FAILED: %" PRIu64 " cancels/replaces missed their order (or a node was short)\n",
                first_counts.misses);
    ok = false;
  }
  if (expected != nullptr) {
    const auto compare = [&](const char* what, uint64_t got, uint64_t want) {
      if (got == want) return;
      std::printf("  CHECK FAILED: %s %" PRIu64 ", expected %" PRIu64 " (%s)\n", what, got, want, source);
      std::fprintf(stderr, "bench book: CHECK FAILED: %s %" PRIu64 ", expected %" PRIu64 "\n", what, got, want);
      ok = false;
    };
    compare("trades", first_counts.trades, expected->trades);
    compare("traded qty", first_counts.traded_qty, expected->traded_qty);
    compare("resting at end", first_counts.resting, expected->resting);
    std::printf("  checksums (%s): trades %" PRIu64 ", traded qty %" PRIu64 ", resting %" PRIu64 " -> %s\n",
                source, expected->trades, expected->traded_qty, expected->resting, ok ? "match" : "DIFFER");
  } else {
    std::printf("  checksums: no reference for this stream (not a public stream, none given)\n");
  }
  std::printf("check: %s\n", ok ? "ok" : "FAILED");
  return ok ? 0 : 1;
}

}  // namespace qz::bench
