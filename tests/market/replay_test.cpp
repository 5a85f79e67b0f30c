// LBOPS1 replays: the three public streams (../shared/bench/pub_W*.lbops.zst) replayed in full through the book
// must reproduce the README's checksums, with a wide window and with a 64-level one (which pushes most levels
// into the overflow and re-centres often) giving the same state hash; the bench driver itself runs on a small
// generated stream, so it never rots; malformed streams are refused with a message.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "base/prng.h"
#include "bench/book/book_bench.h"
#include "market/book.h"
#include "reference_book.h"

namespace qz {
namespace {

std::string shared_dir() {
  const char* env = std::getenv("QZ_SHARED");
  if (env != nullptr && *env != '\0') return env;
  return QZ_SHARED_FALLBACK;
}

class NullSink final : public FillSink {
 public:
  void on_fill(const Fill&) override {}
};

TEST(Replay, PublicStreamsReproduceTheirChecksums) {
  for (const char* name : {"pub_W1", "pub_W2", "pub_W3"}) {
    SCOPED_TRACE(name);
    const std::string path = shared_dir() + "/bench/" + name + ".lbops.zst";
    bench::LbopsStream stream;
    const Status loaded = bench::load_lbops(path, &stream);
    if (!loaded.is_ok() && std::strstr(loaded.message().c_str(), "cannot open") != nullptr) {
      GTEST_SKIP() << "stream not found: " << path;
    }
    ASSERT_TRUE(loaded.is_ok()) << loaded.message();
    const bench::LbopsReference* reference = bench::find_lbops_reference(stream.file_sha256);
    ASSERT_NE(reference, nullptr) << "decompressed bytes do not match the README's SHA-256";
    EXPECT_STREQ(reference->name, name);

    OrderBook wide(bench::book_config_for(stream, 1u << 16));
    const bench::ReplayCounts counts = bench::replay_lbops(stream, &wide);
    EXPECT_EQ(counts.trades, reference->counts.trades);
    EXPECT_EQ(counts.traded_qty, reference->counts.traded_qty);
    EXPECT_EQ(counts.resting, reference->counts.resting);
    EXPECT_EQ(counts.misses, 0u);
    EXPECT_EQ(wide.check_invariants(), "");

    OrderBook narrow(bench::book_config_for(stream, 64));
    EXPECT_EQ(bench::replay_lbops(stream, &narrow), counts);
    EXPECT_EQ(narrow.check_invariants(), "");
    EXPECT_EQ(narrow.state_hash(), wide.state_hash());
    std::printf("%s: trades %llu, traded qty %llu, resting %llu; 64-level window re-centred %llu times\n", name,
                static_cast<unsigned long long>(counts.trades), static_cast<unsigned long long>(counts.traded_qty),
                static_cast<unsigned long long>(counts.resting),
                static_cast<unsigned long long>(narrow.recentre_count()));
  }
}

// A small valid LBOPS1 stream and the counts the reference book says it must give.
struct Generated {
  std::vector<uint8_t> bytes;
  bench::ReplayCounts counts;
};

Generated generate_stream(uint64_t seed, uint32_t n_ops, uint32_t warmup) {
  Prng prng(seed);
  testing::ReferenceBook reference(UINT32_MAX);
  std::vector<bench::LbopsRecord> records;
  std::vector<uint32_t> live;
  std::vector<Fill> fills;
  uint32_t next_id = 0;
  bench::ReplayCounts counts;
  for (uint32_t i = 0; i < n_ops; i++) {
    bench::LbopsRecord record{};
    const int64_t price = 10'000 + prng.range(-25, 25);
    // Drop ids that ended; then maybe target one that still rests.
    for (size_t k = 0; k < live.size();) {
      if (reference.is_resting(live[k])) {
        k++;
      } else {
        live[k] = live.back();
        live.pop_back();
      }
    }
    const uint64_t kind = live.empty() ? 0 : prng.below(100);
    fills.clear();
    if (kind < 60) {
      record.type = 0;
      record.id = next_id++;
      record.is_buy = prng.chance(50) ? 1 : 0;
      record.ioc = prng.chance(5) ? 1 : 0;
      record.price = static_cast<uint64_t>(price);
      record.qty = static_cast<uint64_t>(prng.range(1, 30));
      reference.add(LimitOrder{.order_id = record.id, .side = record.is_buy ? Side::buy : Side::sell,
                               .price_ticks = price, .qty_lots = static_cast<int64_t>(record.qty),
                               .time_in_force = record.ioc ? TimeInForce::ioc : TimeInForce::gtc,
                               .post_only = false},
                    &fills);
      live.push_back(record.id);
    } else if (kind < 85) {
      record.type = 1;
      record.id = live[prng.below(live.size())];
      EXPECT_TRUE(reference.cancel(record.id).found);
    } else {
      record.type = 2;
      record.id = live[prng.below(live.size())];
      record.price = static_cast<uint64_t>(price);
      EXPECT_NE(reference.replace(record.id, price, &fills).status, AddStatus::not_found);
    }
    if (i >= warmup) {
      counts.trades += fills.size();
      for (const Fill& fill : fills) counts.traded_qty += static_cast<uint64_t>(fill.qty_lots);
    }
    records.push_back(record);
  }
  counts.resting = reference.resting_count();
  Generated out;
  out.counts = counts;
  out.bytes.resize(32 + records.size() * sizeof(bench::LbopsRecord));
  std::memcpy(out.bytes.data(), "LBOPS1\0\0", 8);
  const uint64_t header[3] = {n_ops, warmup, next_id};
  std::memcpy(out.bytes.data() + 8, header, sizeof header);
  std::memcpy(out.bytes.data() + 32, records.data(), records.size() * sizeof(bench::LbopsRecord));
  return out;
}

std::string write_temp(const std::vector<uint8_t>& bytes) {
  std::string path = ::testing::TempDir() + "qz_book_replay_XXXXXX";
  const int fd = mkstemp(path.data());
  EXPECT_GE(fd, 0);
  EXPECT_EQ(write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  close(fd);
  return path;
}

TEST(Replay, BenchDriverChecksAGeneratedStream) {
  const Generated generated = generate_stream(4242, 6000, 2000);
  ASSERT_GT(generated.counts.trades, 0u);
  bench::LbopsStream stream;
  ASSERT_TRUE(bench::parse_lbops(generated.bytes, &stream).is_ok());
  EXPECT_EQ(bench::find_lbops_reference(stream.file_sha256), nullptr);
  OrderBook book(bench::book_config_for(stream, 64));
  EXPECT_EQ(bench::replay_lbops(stream, &book), generated.counts);

  const std::string path = write_temp(generated.bytes);
  bench::BookBenchOptions options;
  options.path = path;
  options.runs = 1;
  options.has_expected = true;
  options.expected = generated.counts;
  EXPECT_EQ(bench::run_book_bench(options), 0);
  options.expected.traded_qty += 1;  // a wrong checksum must fail loudly
  EXPECT_EQ(bench::run_book_bench(options), 1);
  options.path = path + ".missing";
  EXPECT_EQ(bench::run_book_bench(options), 2);
  std::remove(path.c_str());
}

TEST(Replay, MalformedStreamsAreRefused) {
  const Generated good = generate_stream(7, 200, 50);
  bench::LbopsStream stream;
  ASSERT_TRUE(bench::parse_lbops(good.bytes, &stream).is_ok());
  const auto refused = [&](std::vector<uint8_t> bytes, const char* what) {
    const Status status = bench::parse_lbops(bytes, &stream);
    EXPECT_FALSE(status.is_ok()) << what;
    return status.message();
  };
  std::vector<uint8_t> bad = good.bytes;
  bad[0] = 'X';
  refused(bad, "magic");
  bad = good.bytes;
  bad.pop_back();
  refused(bad, "size");
  bad = good.bytes;
  bad[32] = 7;  // first record: type 7
  EXPECT_NE(refused(bad, "type").find("record 0"), std::string::npos);
  bad = good.bytes;
  bad[32 + 4] = 5;  // first record: a NEW id that is not 0
  refused(bad, "dense ids");
  bad = good.bytes;
  std::memset(bad.data() + 32 + 16, 0, 8);  // first record: qty 0
  refused(bad, "qty");
  bad = good.bytes;
  bad[32 + 24] = 1;  // padding
  refused(bad, "padding");
  refused(std::vector<uint8_t>(good.bytes.begin(), good.bytes.begin() + 16), "short header");
}

}  // namespace
}  // namespace qz
