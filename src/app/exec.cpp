// `qazna exec --data DIR FILE|-`: JSON-lines commands, refused whole or submitted whole.
//
// Order of work: read and parse every line (syntax), open the node, copy its engine state, plan and dry-run every
// line (names, amounts, ids; exec_plan.h); only then submit the commands through Node::submit in chunks of at
// most one block's worth, never splitting a line, and print one JSON line per event. Until the first submit
// nothing is written, so any input error leaves the data directory exactly as it was.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "app/app.h"
#include "app/event_json.h"
#include "app/exec_input.h"
#include "app/exec_plan.h"
#include "app/market_directory.h"
#include "base/assert.h"
#include "engine/engine.h"

namespace qz::app {

namespace {

// Node::submit hands back the events of the submitted commands only; the hold_expired events that open a block
// (command_index kNoCommand) go to nobody. exec is the only submitter while it holds the directory's lock, so it
// can reconstruct them exactly: it watches every live hold that has a timeout, and after each of its blocks
// (block time = the engine's last_time_ns) every watched hold whose expiry is at or before that time expired at
// the start of the block, in (expiry, hold id) order, releasing what was still held.
class ExpiryWatch {
 public:
  void start(const Engine& engine) {
    const Ledger& ledger = engine.ledger();
    for (uint64_t id = 1; id < ledger.next_hold_id(); id++) {
      const Hold* hold = ledger.hold(id);
      if (hold != nullptr && hold->expires_at_ns != 0) watched_[id] = *hold;
    }
  }

  void before_block(const Engine& engine) {
    held_before_.clear();
    for (const auto& [id, hold] : watched_)
      held_before_[hold.account] = engine.ledger().account(hold.account)->held_minor;
  }

  // Splits the submit's events into block-start events and command events; when the node reported no hold
  // expiries itself, reconstructs them. Then follows the command events to keep the watch current.
  void after_block(const Engine& engine, const std::vector<Event>& events, std::vector<Event>* expired,
                   std::vector<Event>* commands) {
    expired->clear();
    commands->clear();
    for (const Event& event : events) (event.command_index == kNoCommand ? expired : commands)->push_back(event);
    const bool reported = std::any_of(expired->begin(), expired->end(),
                                      [](const Event& event) { return event.event_kind() == EventKind::hold_expired; });
    if (!reported) reconstruct(engine.last_time_ns(), expired);
    for (const Event& event : *expired) {
      if (event.event_kind() == EventKind::hold_expired) watched_.erase(event.hold_released.hold);
    }
    for (const Event& event : *commands) {
      switch (event.event_kind()) {
        case EventKind::hold_placed:
          if (event.hold_placed.expires_at_ns != 0) {
            watched_[event.hold_placed.hold] = Hold{.account = event.hold_placed.account,
                                                    .credit = event.hold_placed.credit,
                                                    .remaining_minor = event.hold_placed.amount_minor,
                                                    .expires_at_ns = event.hold_placed.expires_at_ns};
          }
          break;
        case EventKind::hold_posted:
          if (auto it = watched_.find(event.hold_posted.hold); it != watched_.end()) {
            it->second.remaining_minor = event.hold_posted.remaining_minor;
            if (event.hold_posted.remaining_minor == 0) watched_.erase(it);
          }
          break;
        case EventKind::hold_voided:
          if (auto it = watched_.find(event.hold_released.hold); it != watched_.end()) {
            it->second.remaining_minor = event.hold_released.remaining_minor;
            if (event.hold_released.remaining_minor == 0) watched_.erase(it);
          }
          break;
        default: break;
      }
    }
    // Every hold still watched must be live with the remaining amount the watch expects.
    for (const auto& [id, hold] : watched_) {
      const Hold* live = engine.ledger().hold(id);
      QZ_ASSERT_MSG(live != nullptr, "exec: a watched hold vanished without an event");
      QZ_ASSERT_EQ(live->remaining_minor, hold.remaining_minor);
    }
  }

 private:
  // Hold expiries come first among a block's block-start events: they go in front of any the node reported.
  void reconstruct(uint64_t block_time_ns, std::vector<Event>* expired) {
    std::vector<Event> holds;
    std::vector<std::pair<uint64_t, uint64_t>> due;  // (expires_at_ns, hold id)
    for (const auto& [id, hold] : watched_) {
      if (hold.expires_at_ns <= block_time_ns) due.emplace_back(hold.expires_at_ns, id);
    }
    std::sort(due.begin(), due.end());
    for (const auto& [expires_at_ns, id] : due) {
      const Hold& hold = watched_.at(id);
      int64_t& held = held_before_.at(hold.account);
      held -= hold.remaining_minor;
      QZ_ASSERT(held >= 0);
      Event event;
      std::memset(&event, 0, sizeof event);
      event.kind = static_cast<uint16_t>(EventKind::hold_expired);
      event.command_index = kNoCommand;
      event.hold_released.hold = id;
      event.hold_released.account = hold.account;
      event.hold_released.amount_minor = hold.remaining_minor;
      event.hold_released.account_held_after = held;
      holds.push_back(event);
    }
    expired->insert(expired->begin(), holds.begin(), holds.end());
  }

  std::map<uint64_t, Hold> watched_;         // live holds with a timeout, by id
  std::map<uint64_t, int64_t> held_before_;  // account -> held before the current block
};

struct Tally {
  uint64_t blocks = 0;
  uint64_t first_height = 0;
  uint64_t last_height = 0;
  uint64_t events = 0;
  uint64_t rejected = 0;
  uint64_t duplicates = 0;
  uint64_t expired = 0;
};

}  // namespace

int run_exec(const ExecArgs& args) {
  std::string text;
  Status status = read_input_file(args.input, &text);
  if (!status.is_ok()) {
    std::fprintf(stderr, "qazna exec: %s\n", status.message().c_str());
    return kExitRefused;
  }
  std::vector<InputLine> lines;
  status = parse_input(text, &lines);
  if (!status.is_ok()) {
    std::fprintf(stderr, "qazna exec: %s; nothing was applied\n", status.message().c_str());
    return kExitRefused;
  }

  std::unique_ptr<Node> node;
  status = open_node(args.data_dir, &node);
  if (!status.is_ok()) {
    std::fprintf(stderr, "qazna exec: %s\n", status.message().c_str());
    return kExitFailure;
  }

  std::vector<uint8_t> snapshot;
  ExpiryWatch watch;
  MarketDirectory markets;  // scales of market and order events; follows every event printed
  node->with_engine([&](const Engine& engine) {
    engine.write_snapshot(&snapshot);
    watch.start(engine);
    markets.seed_from_engine(engine);
  });
  ExecPlan plan;
  status = plan_exec(snapshot, lines, system_clock(), &plan);
  snapshot = {};
  if (!status.is_ok()) {
    node->stop();
    std::fprintf(stderr, "qazna exec: %s; nothing was applied\n", status.message().c_str());
    return kExitRefused;
  }

  const std::vector<std::pair<size_t, size_t>> chunks = chunk_plan(plan, NodeOptions{}.max_block_commands);
  Tally tally;
  std::vector<Event> expired;
  std::vector<Event> command_events;
  std::string out;
  for (const std::pair<size_t, size_t>& chunk : chunks) {
    const size_t begin = chunk.first;  // named copies: lambdas below capture them (clang 14 cannot capture bindings)
    const size_t end = chunk.second;
    node->with_engine([&](const Engine& engine) { watch.before_block(engine); });
    SubmitResult result;
    status = node->submit(std::span<const Command>(plan.commands).subspan(begin, end - begin), &result);
    if (!status.is_ok()) {
      std::fflush(stdout);
      std::fprintf(stderr,
                   "qazna exec: journal failure after %zu of %zu commands were durably applied (input lines before "
                   "line %llu): %s\n",
                   begin, plan.commands.size(), static_cast<unsigned long long>(plan.origins[begin].line_number),
                   status.message().c_str());
      node->stop();
      return kExitFailure;
    }
    out.clear();
    node->with_engine([&](const Engine& engine) {
      watch.after_block(engine, result.events, &expired, &command_events);
      for (const Event& event : expired) {
        out += event_json(event, result.height, nullptr, engine.ledger(), &markets);
        out += '\n';
      }
      for (const Event& event : command_events) {
        QZ_ASSERT(event.command_index >= result.first_command_index);
        const size_t index = begin + (event.command_index - result.first_command_index);
        QZ_ASSERT(index < end);
        out += event_json(event, result.height, &plan.origins[index], engine.ledger(), &markets);
        out += '\n';
        if (event.event_kind() == EventKind::rejected) tally.rejected++;
        if (event.event_kind() == EventKind::duplicate) tally.duplicates++;
      }
    });
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (tally.blocks == 0) tally.first_height = result.height;
    tally.blocks++;
    tally.last_height = result.height;
    tally.events += expired.size() + command_events.size();
    tally.expired += expired.size();
  }
  node->stop();
  std::fflush(stdout);
  if (tally.blocks == 0) {
    std::fprintf(stderr, "exec: no commands in the input; nothing to do\n");
  } else {
    std::fprintf(
        stderr,
        "exec: %zu commands from %zu lines in %llu block(s), heights %llu to %llu: %llu events, %llu rejected, "
        "%llu duplicates, %llu holds expired\n",
        plan.commands.size(), lines.size(), static_cast<unsigned long long>(tally.blocks),
        static_cast<unsigned long long>(tally.first_height), static_cast<unsigned long long>(tally.last_height),
        static_cast<unsigned long long>(tally.events), static_cast<unsigned long long>(tally.rejected),
        static_cast<unsigned long long>(tally.duplicates), static_cast<unsigned long long>(tally.expired));
  }
  return kExitOk;
}

}  // namespace qz::app
