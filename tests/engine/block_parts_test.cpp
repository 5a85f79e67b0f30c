// A block applied in parts (Engine::begin_block, apply_part, end_block), as the journal applies what it takes
// while it applies, must give exactly the events and the state of the same block applied whole. Both seeded
// streams (the ledger's and the exchange's, each steered by its reference model) are fed to two engines side by
// side: one applies every block whole, the other in parts cut at random between groups (empty parts too), with
// only the last part allowed to end inside a linked group, as the journal's submissions guarantee.
//
// QZ_SEED=<n> sets the seed of each stream.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>
#include <vector>

#include "base/prng.h"
#include "command_stream.h"
#include "engine/engine.h"
#include "order_stream.h"
#include "reference_exchange.h"
#include "reference_ledger.h"

namespace qz::testing {
namespace {

uint64_t env_u64(const char* name, uint64_t fallback) {
  const char* text = std::getenv(name);
  return text != nullptr && *text != '\0' ? std::strtoull(text, nullptr, 10) : fallback;
}

// Empty when every asset's accounts sum to zero (double entry: no money made or lost), else the first that does not.
std::string conservation(const Engine& engine) {
  std::vector<int128> sums(engine.ledger().asset_count() + 1, 0);
  for (uint64_t id = 1; id <= engine.ledger().account_count(); id++) {
    const Account* account = engine.ledger().account(id);
    sums.at(account->asset) += account->total_minor;
  }
  for (size_t asset = 1; asset < sums.size(); asset++) {
    if (sums[asset] != 0) return "asset " + std::to_string(asset) + " does not sum to zero";
  }
  return {};
}

// Applies `commands` to `engine` in random parts. A cut may fall only where the command before it is not
// linked; the last part takes the rest, a group left open at the block's end included. Returns the parts made.
size_t apply_in_parts(Engine* engine, uint64_t height, uint64_t time_ns, std::span<const Command> commands, Prng* prng,
                      std::vector<Event>* events) {
  engine->begin_block(height, time_ns, events);
  EXPECT_TRUE(engine->block_open());
  EXPECT_EQ(engine->next_height(), height);  // not advanced while the block is open
  size_t parts = 0;
  size_t first = 0;
  while (first < commands.size()) {
    size_t end = first;
    const size_t wanted = static_cast<size_t>(prng->below(6));  // 0 (an empty part) .. 5 commands
    while (end < commands.size() && (end - first < wanted || (end > first && commands[end - 1].linked()))) end++;
    if (end > first && commands[end - 1].linked()) end = commands.size();  // only the last part may end open
    engine->apply_part(commands.subspan(first, end - first), events);
    parts++;
    first = end;
  }
  if (commands.empty() || (!commands.back().linked() && prng->below(4) == 0)) {
    engine->apply_part({}, events);  // an empty last part changes nothing
    parts++;
  }
  engine->end_block();
  EXPECT_FALSE(engine->block_open());
  return parts;
}

struct Counts {
  size_t parts = 0;
  size_t open_groups = 0;  // blocks that ended inside a linked group
  size_t events = 0;
};

// Feeds `blocks` blocks of `stream` (steered by `model`) to `whole`, applied whole, and to `in_parts`, applied
// in random parts, and stops at the first block whose events or state hash differ.
template <typename Model, typename Stream>
void run_side_by_side(uint64_t seed, Model* model, Stream* stream, Engine* whole, Engine* in_parts, int blocks,
                      Counts* counts) {
  Prng prng(seed ^ 0x9a27u);
  std::vector<Command> commands;
  std::vector<Event> whole_events;
  std::vector<Event> part_events;
  std::vector<Event> model_events;
  for (uint64_t height = 0; height < static_cast<uint64_t>(blocks); height++) {
    uint64_t time_ns = 0;
    stream->next_block(&time_ns, &commands);
    model_events.clear();
    model->apply(time_ns, commands, &model_events);  // the stream reads the model to aim its next block
    whole_events.clear();
    part_events.clear();
    whole->apply(BlockInput{.height = height, .time_ns = time_ns, .commands = commands}, &whole_events);
    counts->parts += apply_in_parts(in_parts, height, time_ns, commands, &prng, &part_events);
    if (!commands.empty() && commands.back().linked()) counts->open_groups++;
    counts->events += part_events.size();
    ASSERT_TRUE(same_events(whole_events, part_events)) << "seed " << seed << " block " << height;
    ASSERT_EQ(whole->state_hash(), in_parts->state_hash()) << "seed " << seed << " block " << height;
    ASSERT_EQ(in_parts->next_height(), height + 1);
    ASSERT_EQ(in_parts->last_time_ns(), time_ns);
  }
}

TEST(BlockParts, LedgerStreamAppliedInPartsEqualsTheWholeBlocks) {
  const uint64_t seed = env_u64("QZ_SEED", 4242);
  ReferenceLedger model;
  CommandStream stream(seed, &model);
  Engine whole(small_limits());
  Engine in_parts(small_limits());
  Counts counts;
  run_side_by_side(seed, &model, &stream, &whole, &in_parts, 400, &counts);
  EXPECT_GT(counts.parts, 1000u);     // most blocks were cut many times
  EXPECT_GT(counts.open_groups, 0u);  // and some ended inside a group
  EXPECT_EQ(in_parts.check_invariants(), "");
  EXPECT_EQ(conservation(whole), "");
  EXPECT_EQ(conservation(in_parts), "");
}

TEST(BlockParts, OrderStreamAppliedInPartsEqualsTheWholeBlocks) {
  const uint64_t seed = env_u64("QZ_SEED", 4343);
  MarketLimits market_limits;
  market_limits.max_markets = 6;
  market_limits.orders_per_market = 4096;  // check_invariants walks every slot
  ReferenceExchange model(LedgerLimits{}, ReferenceMarketLimits{.max_markets = 6, .orders_per_market = 4096});
  OrderStreamOptions options;
  options.rules_version = 2;
  OrderStream stream(seed, &model, options);
  Engine whole(LedgerLimits{}, market_limits);
  Engine in_parts(LedgerLimits{}, market_limits);
  Counts counts;
  run_side_by_side(seed, &model, &stream, &whole, &in_parts, 400, &counts);
  EXPECT_GT(counts.events, 10000u);
  EXPECT_EQ(in_parts.check_invariants(), "");
  EXPECT_EQ(conservation(in_parts), "");
}

// A part may not follow one that ended inside a linked group: the group was closed as the block's end closes it.
TEST(BlockPartsDeathTest, APartAfterAnOpenGroupIsRefused) {
  Engine engine;
  std::vector<Event> events;
  engine.apply(BlockInput{.height = 0, .time_ns = 1, .commands = {}}, &events);
  Command linked = make_create_asset("KZT", 2);
  linked.flags |= kFlagLinked;
  const Command plain = make_create_asset("USD", 2);
  engine.begin_block(1, 2, &events);
  engine.apply_part(std::span<const Command>(&linked, 1), &events);
  EXPECT_DEATH(engine.apply_part(std::span<const Command>(&plain, 1), &events), "block_part_open_group_");
}

}  // namespace
}  // namespace qz::testing
