#include "engine/event.h"

#include <cstring>
#include <string_view>

namespace qz {

Event make_event(EventKind kind, uint32_t command_index) {
  Event event;
  std::memset(&event, 0, sizeof event);
  event.kind = static_cast<uint16_t>(kind);
  event.command_index = command_index;
  return event;
}

Event make_rejection(const Command& command, uint32_t command_index, Result result) {
  Event event = make_event(EventKind::rejected, command_index);
  event.result = static_cast<uint32_t>(result);
  event.rejected.actor = command.actor;
  event.rejected.request_id = command.request_id;
  event.rejected.command_kind = command.kind;
  return event;
}

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
    case EventKind::engine_rules_set: return "engine_rules_set";
    case EventKind::market_created: return "market_created";
    case EventKind::market_rules_set: return "market_rules_set";
    case EventKind::market_status_changed: return "market_status_changed";
    case EventKind::fee_tier_set: return "fee_tier_set";
    case EventKind::order_accepted: return "order_accepted";
    case EventKind::order_rested: return "order_rested";
    case EventKind::order_filled: return "order_filled";
    case EventKind::trade: return "trade";
    case EventKind::order_cancelled: return "order_cancelled";
    case EventKind::order_expired: return "order_expired";
    case EventKind::order_triggered: return "order_triggered";
    case EventKind::order_amended: return "order_amended";
    case EventKind::level_changed: return "level_changed";
    case EventKind::candle_closed: return "candle_closed";
    case EventKind::client_registered: return "client_registered";
    case EventKind::client_updated: return "client_updated";
    case EventKind::client_status_changed: return "client_status_changed";
    case EventKind::client_policy_set: return "client_policy_set";
    case EventKind::conversion_rate_set: return "conversion_rate_set";
    case EventKind::tier_limits_set: return "tier_limits_set";
    case EventKind::retail_cap_set: return "retail_cap_set";
    case EventKind::order_tagged: return "order_tagged";
    case EventKind::wallet_class_defined: return "wallet_class_defined";
    case EventKind::wallet_opened: return "wallet_opened";
    case EventKind::program_published: return "program_published";
    case EventKind::exchange_link_set: return "exchange_link_set";
    case EventKind::cbdc_issued: return "cbdc_issued";
    case EventKind::cbdc_redeemed: return "cbdc_redeemed";
    case EventKind::program_granted: return "program_granted";
    case EventKind::cbdc_paid: return "cbdc_paid";
    case EventKind::release_done: return "release_done";
    case EventKind::release_disputed: return "release_disputed";
    case EventKind::release_cancelled: return "release_cancelled";
    case EventKind::program_status_changed: return "program_status_changed";
    case EventKind::program_expired: return "program_expired";
    case EventKind::lot_changed: return "lot_changed";
    case EventKind::release_opened: return "release_opened";
    case EventKind::release_closed: return "release_closed";
    case EventKind::money_part_taken: return "money_part_taken";
  }
  return "unknown";
}

bool decode_event(std::span<const uint8_t> bytes, Event* out) {
  if (bytes.size() != kEventSize) return false;
  std::memcpy(out, bytes.data(), kEventSize);
  const uint16_t kind = out->kind;
  if (std::string_view(event_kind_name(static_cast<EventKind>(kind))) == "unknown") return false;
  return out->reserved == 0 && out->reserved2 == 0 && result_is_known(out->result);
}

void encode_event(const Event& event, uint8_t out[kEventSize]) { std::memcpy(out, &event, kEventSize); }

}  // namespace qz
