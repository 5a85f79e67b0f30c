// `qazna exec` planning: turns parsed input lines into engine Commands and proves, by a dry run, that the whole
// file refers only to things that exist, before anything is submitted.
//
// Resolution, line by line against the state the engine will have when the line runs:
//   - asset codes must name an asset (created before, or earlier in the file or group);
//   - account ids (debit, credit, account) must name an opened account; hold ids must name a hold that was
//     placed at some point (a closed hold is fine: the engine rejects it as a business result);
//   - amounts are parsed exactly (parse_decimal) at the scale of the asset of the account they come from:
//     the debit account (transfer), the held account (hold, post). A post to a hold that closed before this
//     file, with an amount and no credit account, is refused: its asset can no longer be known.
//   - market ids must name a market (existing, or created by an earlier line; market_directory.h); prices and
//     quote amounts are parsed at the market's quote asset scale, quantities at its base asset scale;
//     create_market's tick size at the quote scale and its lot and quantity limits at the base scale; fee
//     accounts must be opened accounts.
// Each line is then applied to a scratch engine (a copy of the live state made with write_snapshot and
// load_snapshot) as its own block, at the scratch engine's next height and a time after its last one, so
// accounts, assets, holds and markets created by a line are visible to later lines. Business rejections in the dry
// run are fine (they become rejection events in the real run); only input errors refuse the file.
//
// Inside a linked group, ids created by earlier members are predicted (ids are dense and assigned in command
// order), so a group may open an account and move money into it.
#pragma once

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "app/exec_input.h"
#include "base/status.h"
#include "engine/command.h"
#include "engine/event.h"
#include "journal/journal.h"

namespace qz::app {

struct ExecPlan {
  std::vector<Command> commands;       // in file order; linked groups flagged
  std::vector<CommandOrigin> origins;  // parallel to commands
  std::vector<size_t> line_starts;     // index of the first command of every line, ascending
  uint64_t dry_run_rejections = 0;     // business rejections seen in the dry run (informational)
};

// Plans `lines` against the engine state in `snapshot` (Engine::write_snapshot bytes). `clock` supplies the
// dry run's block times (kept strictly increasing). On an input error returns a Status naming the line and
// field; *plan is then meaningless.
[[nodiscard]] Status plan_exec(std::span<const uint8_t> snapshot, std::span<const InputLine> lines, Clock* clock,
                               ExecPlan* plan);

// Cuts the plan into submits of at most `max_commands` commands, never splitting a line (so never a linked
// group). Returns [begin, end) command ranges. Precondition: no line is longer than max_commands.
std::vector<std::pair<size_t, size_t>> chunk_plan(const ExecPlan& plan, size_t max_commands);

}  // namespace qz::app
