// `qazna exec` input: JSON lines (one command, or one linked group, per line) parsed into CommandText records.
//
// This stage is purely syntactic: it checks JSON, the command name, that every required field is there with the
// right type and that no unknown or repeated field is present. It does not look at the ledger: names (asset
// codes), ids (accounts, holds) and decimal amounts are kept as written and resolved later against the engine
// state by exec_plan.h. The format is specified in docs/cli.md.
//
// Errors are one line, naming the input line and the field: `line 3: "amount": must be a decimal string ...`.
// Blank lines (only spaces, tabs or a carriage return) are skipped but still counted.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/role.h"
#include "base/status.h"
#include "engine/command.h"
#include "ledger/ledger.h"

namespace qz::app {

// The most commands one input line (a linked group) may hold: a group must fit in one block.
inline constexpr size_t kMaxLineCommands = 8192;

// One command as written.
struct CommandText {
  CommandKind kind = CommandKind::transfer;
  std::string where;  // "" for a line's own command; "commands[2]" for a member of a linked group

  uint64_t actor = 0;
  Role role = Role::operator_;
  uint64_t request_id = 0;

  // create_asset
  std::string code;
  uint8_t scale = 0;
  // open_account
  uint64_t owner = 0;
  std::string asset;  // asset code
  AccountKind account_kind = AccountKind::customer;
  // transfer (debit, credit, amount, reference); hold (account, credit, amount, timeout_ms, reference);
  // post (hold, credit, amount); void (hold, amount)
  uint64_t debit = 0;
  uint64_t credit = 0;
  uint64_t account = 0;
  uint64_t hold = 0;
  bool has_amount = false;
  std::string amount;  // decimal text, parsed at the asset's scale later
  uint64_t timeout_ns = 0;
  uint64_t reference = 0;
};

struct InputLine {
  uint64_t line_number = 0;  // 1-based
  bool linked = false;       // a "linked" group: every member but the last is flagged kFlagLinked
  std::vector<CommandText> commands;
};

// Parses one non-blank line. On error returns a Status whose message starts with "line N: ".
[[nodiscard]] Status parse_input_line(std::string_view text, uint64_t line_number, InputLine* out);

// Splits `text` into lines and parses every non-blank one, stopping at the first error.
[[nodiscard]] Status parse_input(std::string_view text, std::vector<InputLine>* out);

// True for a line holding only spaces, tabs and carriage returns.
bool is_blank_line(std::string_view text);

// "customer" -> AccountKind::customer; false for anything else.
bool account_kind_from_name(std::string_view name, AccountKind* out);
// "operator" -> Role::operator_ (every role of base/role.h except none); false for anything else.
bool role_from_name(std::string_view name, Role* out);

}  // namespace qz::app
