// Commands: the fixed 64-byte records the engine applies. Format version 1; layout in docs/formats.md.
//
// A command is built by a gateway (or `qazna exec`) after authentication and stateless validation, sequenced
// into a block and applied by Engine::apply. The in-memory struct IS the wire layout (little-endian, no padding,
// pinned by static_asserts and golden-byte tests), so encoding is a copy and decoding is a copy plus
// decode_command's structural checks. Semantic checks (accounts exist, funds suffice) are the engine's.
//
// Header (24 bytes): kind u16 | flags u8 | role u8 | reserved u32 (zero) | actor u64 | request_id u64
// Payload (40 bytes): one of the structs below, selected by kind; unused bytes are zero.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "base/result.h"
#include "base/role.h"
#include "ledger/ledger.h"

namespace qz {

static_assert(std::endian::native == std::endian::little, "the wire layout is the in-memory layout");

inline constexpr uint32_t kCommandFormatVersion = 1;
inline constexpr size_t kCommandSize = 64;

enum class CommandKind : uint16_t {
  create_asset = 1,
  open_account = 2,
  transfer = 3,
  hold = 4,
  post_hold = 5,
  void_hold = 6,
};

// Command flags.
inline constexpr uint8_t kFlagLinked = 0x01;  // this command and the next one succeed or fail together
inline constexpr uint8_t kKnownCommandFlags = kFlagLinked;

struct CreateAssetPayload {
  char code[kAssetCodeSize];  // A-Z 0-9, NUL-padded
  uint8_t scale;
  uint8_t zero[27];
};

struct OpenAccountPayload {
  uint64_t owner;  // user id of the account's owner (0 for the venue itself)
  uint32_t asset;
  uint8_t kind;  // AccountKind
  uint8_t zero[27];
};

struct TransferPayload {
  uint64_t debit;
  uint64_t credit;
  int64_t amount_minor;
  uint64_t reference;  // caller's own reference: journaled with the command, not interpreted by the engine
  uint64_t zero;
};

struct HoldPayload {
  uint64_t account;    // funds reserved on this account
  uint64_t credit;     // destination fixed now, or 0 to name it at post time
  int64_t amount_minor;
  uint64_t timeout_ns;  // 0 = no timeout; otherwise expires at block_time + timeout_ns
  uint64_t reference;
};

struct PostHoldPayload {
  uint64_t hold;
  uint64_t credit;      // 0 = the hold's own credit account
  int64_t amount_minor;  // 0 = everything still held
  uint64_t zero[2];
};

struct VoidHoldPayload {
  uint64_t hold;
  int64_t amount_minor;  // 0 = everything still held
  uint64_t zero[3];
};

struct Command {
  uint16_t kind;  // CommandKind
  uint8_t flags;
  uint8_t role;  // Role
  uint32_t reserved;
  uint64_t actor;       // user id of whoever asked
  uint64_t request_id;  // idempotency key per actor; 0 = none
  union {
    CreateAssetPayload create_asset;
    OpenAccountPayload open_account;
    TransferPayload transfer;
    HoldPayload hold;
    PostHoldPayload post_hold;
    VoidHoldPayload void_hold;
    uint8_t payload[40];
  };

  CommandKind command_kind() const { return static_cast<CommandKind>(kind); }
  bool linked() const { return (flags & kFlagLinked) != 0; }
};

static_assert(sizeof(CreateAssetPayload) == 40);
static_assert(sizeof(OpenAccountPayload) == 40);
static_assert(sizeof(TransferPayload) == 40);
static_assert(sizeof(HoldPayload) == 40);
static_assert(sizeof(PostHoldPayload) == 40);
static_assert(sizeof(VoidHoldPayload) == 40);
static_assert(offsetof(VoidHoldPayload, amount_minor) == 8);
static_assert(offsetof(VoidHoldPayload, zero) == 16);
static_assert(sizeof(Command) == kCommandSize);
static_assert(offsetof(Command, actor) == 8);
static_assert(offsetof(Command, request_id) == 16);
static_assert(offsetof(Command, payload) == 24);
static_assert(std::is_trivially_copyable_v<Command>);

// Zero-initialised commands of each kind, ready for their fields. Actor and role default to the operator.
Command make_create_asset(std::string_view code, uint8_t scale);
Command make_open_account(uint64_t owner, uint32_t asset, AccountKind kind);
Command make_transfer(uint64_t debit, uint64_t credit, int64_t amount_minor);
Command make_hold(uint64_t account, uint64_t credit, int64_t amount_minor, uint64_t timeout_ns);
Command make_post_hold(uint64_t hold, uint64_t credit, int64_t amount_minor);
Command make_void_hold(uint64_t hold, int64_t amount_minor = 0);  // amount 0 = everything still held

const char* command_kind_name(CommandKind kind);  // "transfer"; "unknown" otherwise

// Structural checks of one command, in this order: unknown_command_kind (kind not listed),
// reserved_field_not_zero (unknown flag bits, reserved header field, or payload bytes the kind does not use),
// actor_not_permitted (role not listed). The engine runs the same checks before anything else.
[[nodiscard]] Result validate_command(const Command& command);

// Copies 64 bytes into *out and validates them (validate_command). Never reads past `bytes`; a size other than
// 64 is reserved_field_not_zero.
[[nodiscard]] Result decode_command(std::span<const uint8_t> bytes, Command* out);

// Writes the 64 bytes of `command` to `out`.
void encode_command(const Command& command, uint8_t out[kCommandSize]);

}  // namespace qz
