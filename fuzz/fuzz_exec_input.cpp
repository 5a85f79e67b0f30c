// libFuzzer target: `qazna exec`'s JSON command objects (app/exec_input.h), as a file's line and as the request of
// a /v1/cbdc route of the server.
//
// Input: the first byte picks the reader (0: parse_input_line as line 7 of a file; otherwise parse_fixed_command
// with one of the digital tenge's commands), the rest is the JSON text. Neither ever crashes. A file's errors start
// with "line 7: "; a route's never name a line. On success every command has a kind, a linked line has every
// member but none of its own; a route's line ends with the route's command, every command before it is one of its
// parts, and the actor and role are left as the defaults (the route sets them from the API key).
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/exec_input.h"
#include "base/assert.h"

namespace {

struct Fixed {
  std::string_view cmd;
  qz::CommandKind kind;
};
constexpr std::array<Fixed, 12> kFixed = {{
    {"define_wallet_class", qz::CommandKind::define_wallet_class},
    {"open_wallet", qz::CommandKind::open_wallet},
    {"publish_program", qz::CommandKind::publish_program},
    {"issue_cbdc", qz::CommandKind::issue_cbdc},
    {"redeem_cbdc", qz::CommandKind::redeem_cbdc},
    {"grant", qz::CommandKind::grant},
    {"pay", qz::CommandKind::pay},
    {"attest_release", qz::CommandKind::attest_release},
    {"dispute_release", qz::CommandKind::dispute_release},
    {"cancel_release", qz::CommandKind::cancel_release},
    {"set_program_status", qz::CommandKind::set_program_status},
    {"set_exchange_link", qz::CommandKind::set_exchange_link},
}};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  qz::app::InputLine line;
  if (data[0] == 0) {
    const qz::Status status = qz::app::parse_input_line(text, 7, &line);
    if (!status.is_ok()) {
      QZ_ASSERT(status.message().rfind("line 7: ", 0) == 0);
      return 0;
    }
    QZ_ASSERT(!line.commands.empty() && line.commands.size() <= qz::app::kMaxLineCommands);
    QZ_ASSERT(line.line_number == 7);
    return 0;
  }
  const Fixed& fixed = kFixed[data[0] % kFixed.size()];
  const qz::Status status = qz::app::parse_fixed_command(text, fixed.cmd, &line);
  if (!status.is_ok()) {
    QZ_ASSERT(status.message().rfind("line ", 0) != 0);
    return 0;
  }
  QZ_ASSERT(!line.commands.empty());
  QZ_ASSERT(line.commands.back().kind == fixed.kind);
  QZ_ASSERT(line.linked == (line.commands.size() > 1));
  for (size_t i = 0; i < line.commands.size(); i++) {
    const qz::app::CommandText& command = line.commands[i];
    QZ_ASSERT(command.actor == 0 && command.role == qz::Role::operator_);
    QZ_ASSERT(command.money.command_kind() == command.kind);
    if (i + 1 < line.commands.size()) {
      QZ_ASSERT(qz::is_money_part(command.kind));
      QZ_ASSERT(command.request_id == 0);
    }
  }
  return 0;
}
