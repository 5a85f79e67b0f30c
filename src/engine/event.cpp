#include "engine/event.h"

#include <cstring>

namespace qz {

const char* event_kind_name(EventKind kind) {
  switch (kind) {
    case EventKind::rejected: return "rejected";
    case EventKind::duplicate: return "duplicate";
    case EventKind::asset_created: return "asset_created";
    case EventKind::account_opened: return "account_opened";
    case EventKind::transfer_posted: return "transfer_posted";
    case EventKind::hold_placed: return "hold_placed";
    case EventKind::hold_posted: return "hold_posted";
    case EventKind::hold_voided: return "hold_voided";
    case EventKind::hold_expired: return "hold_expired";
  }
  return "unknown";
}

bool decode_event(std::span<const uint8_t> bytes, Event* out) {
  if (bytes.size() != kEventSize) return false;
  std::memcpy(out, bytes.data(), kEventSize);
  const uint16_t kind = out->kind;
  if (kind < static_cast<uint16_t>(EventKind::rejected) || kind > static_cast<uint16_t>(EventKind::hold_expired)) {
    return false;
  }
  return out->reserved == 0 && out->reserved2 == 0 && result_is_known(out->result);
}

void encode_event(const Event& event, uint8_t out[kEventSize]) { std::memcpy(out, &event, kEventSize); }

}  // namespace qz
