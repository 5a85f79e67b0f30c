// Events: the fixed 64-byte records the engine emits. Format version 1; layout in docs/formats.md.
//
// Every command yields at least one event, in command order; expiries at the start of a block come first and
// carry command_index kNoCommand. The events of a block are committed to by the block's events root.
//
// Header (16 bytes): kind u16 | reserved u16 | result u32 | command_index u32 | reserved u32
// Payload (48 bytes): one of the structs below, selected by kind; unused bytes are zero.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#include "base/result.h"
#include "engine/command.h"

namespace qz {

inline constexpr size_t kEventSize = 64;
inline constexpr uint32_t kNoCommand = 0xFFFFFFFF;

enum class EventKind : uint16_t {
  rejected = 1,        // result says why; nothing changed
  duplicate = 2,       // a repeated request id: result and object_id are the original command's
  asset_created = 3,
  account_opened = 4,
  transfer_posted = 5,
  hold_placed = 6,
  hold_posted = 7,
  hold_voided = 8,
  hold_expired = 9,
};

struct RejectedPayload {
  uint64_t actor;
  uint64_t request_id;
  uint16_t command_kind;
  uint8_t zero[30];
};

struct DuplicatePayload {
  uint64_t actor;
  uint64_t request_id;
  uint64_t object_id;  // account, transfer or hold id the original command created (0 if none)
  uint16_t command_kind;
  uint8_t zero[22];
};

struct AssetCreatedPayload {
  uint32_t asset;
  uint8_t scale;
  char code[kAssetCodeSize];
  uint8_t zero[31];
};

struct AccountOpenedPayload {
  uint64_t account;
  uint64_t owner;
  uint32_t asset;
  uint8_t kind;
  uint8_t zero[27];
};

struct TransferPostedPayload {
  uint64_t transfer;
  uint64_t debit;
  uint64_t credit;
  int64_t amount_minor;
  int64_t debit_balance_after;   // total balance of the debit account after the transfer
  int64_t credit_balance_after;
};

struct HoldPlacedPayload {
  uint64_t hold;
  uint64_t account;
  uint64_t credit;  // 0 if named at post time
  int64_t amount_minor;
  uint64_t expires_at_ns;  // 0 = never
  int64_t account_held_after;
};

struct HoldPostedPayload {
  uint64_t hold;
  uint64_t transfer;  // the transfer id of the money that moved
  uint64_t debit;
  uint64_t credit;
  int64_t amount_minor;
  int64_t remaining_minor;  // still held after this post; 0 = the hold is closed
};

// For hold_voided and hold_expired.
struct HoldReleasedPayload {
  uint64_t hold;
  uint64_t account;
  int64_t amount_minor;  // released back to available
  int64_t account_held_after;
  int64_t remaining_minor;  // still held after this; 0 = the hold is closed (always 0 for hold_expired)
  uint8_t zero[8];
};

struct Event {
  uint16_t kind;  // EventKind
  uint16_t reserved;
  uint32_t result;  // Result; ok for everything but rejected and (possibly) duplicate
  uint32_t command_index;  // index of the command in its block, or kNoCommand
  uint32_t reserved2;
  union {
    RejectedPayload rejected;
    DuplicatePayload duplicate;
    AssetCreatedPayload asset_created;
    AccountOpenedPayload account_opened;
    TransferPostedPayload transfer_posted;
    HoldPlacedPayload hold_placed;
    HoldPostedPayload hold_posted;
    HoldReleasedPayload hold_released;
    uint8_t payload[48];
  };

  EventKind event_kind() const { return static_cast<EventKind>(kind); }
  Result result_code() const { return static_cast<Result>(result); }
};

static_assert(sizeof(RejectedPayload) == 48);
static_assert(sizeof(DuplicatePayload) == 48);
static_assert(sizeof(AssetCreatedPayload) == 48);
static_assert(sizeof(AccountOpenedPayload) == 48);
static_assert(sizeof(TransferPostedPayload) == 48);
static_assert(sizeof(HoldPlacedPayload) == 48);
static_assert(sizeof(HoldPostedPayload) == 48);
static_assert(sizeof(HoldReleasedPayload) == 48);
static_assert(offsetof(HoldReleasedPayload, remaining_minor) == 32);
static_assert(sizeof(Event) == kEventSize);
static_assert(offsetof(Event, payload) == 16);
static_assert(std::is_trivially_copyable_v<Event>);

const char* event_kind_name(EventKind kind);  // "transfer_posted"; "unknown" otherwise

// Structural check of one 64-byte event record (known kind, known result code, reserved bytes zero).
[[nodiscard]] bool decode_event(std::span<const uint8_t> bytes, Event* out);
void encode_event(const Event& event, uint8_t out[kEventSize]);

}  // namespace qz
