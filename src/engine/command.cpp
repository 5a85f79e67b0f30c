#include "engine/command.h"

#include <algorithm>
#include <cstring>

#include "base/assert.h"

namespace qz {

namespace {

Command blank(CommandKind kind) {
  Command command;
  std::memset(&command, 0, sizeof command);
  command.kind = static_cast<uint16_t>(kind);
  command.role = static_cast<uint8_t>(Role::operator_);
  return command;
}

bool all_zero(const void* data, size_t size) {
  const auto* bytes = static_cast<const uint8_t*>(data);
  for (size_t i = 0; i < size; i++) {
    if (bytes[i] != 0) return false;
  }
  return true;
}

}  // namespace

Command make_create_asset(std::string_view code, uint8_t scale) {
  Command command = blank(CommandKind::create_asset);
  std::memcpy(command.create_asset.code, code.data(), std::min(code.size(), kAssetCodeSize));
  command.create_asset.scale = scale;
  return command;
}

Command make_open_account(uint64_t owner, uint32_t asset, AccountKind kind) {
  Command command = blank(CommandKind::open_account);
  command.open_account.owner = owner;
  command.open_account.asset = asset;
  command.open_account.kind = static_cast<uint8_t>(kind);
  return command;
}

Command make_transfer(uint64_t debit, uint64_t credit, int64_t amount_minor) {
  Command command = blank(CommandKind::transfer);
  command.transfer.debit = debit;
  command.transfer.credit = credit;
  command.transfer.amount_minor = amount_minor;
  return command;
}

Command make_hold(uint64_t account, uint64_t credit, int64_t amount_minor, uint64_t timeout_ns) {
  Command command = blank(CommandKind::hold);
  command.hold.account = account;
  command.hold.credit = credit;
  command.hold.amount_minor = amount_minor;
  command.hold.timeout_ns = timeout_ns;
  return command;
}

Command make_post_hold(uint64_t hold, uint64_t credit, int64_t amount_minor) {
  Command command = blank(CommandKind::post_hold);
  command.post_hold.hold = hold;
  command.post_hold.credit = credit;
  command.post_hold.amount_minor = amount_minor;
  return command;
}

Command make_void_hold(uint64_t hold, int64_t amount_minor) {
  Command command = blank(CommandKind::void_hold);
  command.void_hold.hold = hold;
  command.void_hold.amount_minor = amount_minor;
  return command;
}

const char* command_kind_name(CommandKind kind) {
  switch (kind) {
    case CommandKind::create_asset: return "create_asset";
    case CommandKind::open_account: return "open_account";
    case CommandKind::transfer: return "transfer";
    case CommandKind::hold: return "hold";
    case CommandKind::post_hold: return "post_hold";
    case CommandKind::void_hold: return "void_hold";
  }
  return "unknown";
}

Result validate_command(const Command& command) {
  bool unused_zero = true;
  switch (command.command_kind()) {
    case CommandKind::create_asset: {
      // The code is NUL-padded: everything after its first NUL is padding and must be zero.
      const size_t length = strnlen(command.create_asset.code, kAssetCodeSize);
      unused_zero = all_zero(command.create_asset.code + length, kAssetCodeSize - length) &&
                    all_zero(command.create_asset.zero, sizeof command.create_asset.zero);
      break;
    }
    case CommandKind::open_account:
      unused_zero = all_zero(command.open_account.zero, sizeof command.open_account.zero);
      break;
    case CommandKind::transfer: unused_zero = command.transfer.zero == 0; break;
    case CommandKind::hold: unused_zero = true; break;
    case CommandKind::post_hold:
      unused_zero = all_zero(command.post_hold.zero, sizeof command.post_hold.zero);
      break;
    case CommandKind::void_hold:
      unused_zero = all_zero(command.void_hold.zero, sizeof command.void_hold.zero);
      break;
    default: return Result::unknown_command_kind;
  }
  if ((command.flags & ~kKnownCommandFlags) != 0 || command.reserved != 0 || !unused_zero) {
    return Result::reserved_field_not_zero;
  }
  if (command.role > kMaxRole) return Result::actor_not_permitted;
  return Result::ok;
}

Result decode_command(std::span<const uint8_t> bytes, Command* out) {
  if (bytes.size() != kCommandSize) return Result::reserved_field_not_zero;
  std::memcpy(out, bytes.data(), kCommandSize);
  return validate_command(*out);
}

void encode_command(const Command& command, uint8_t out[kCommandSize]) { std::memcpy(out, &command, kCommandSize); }

}  // namespace qz
