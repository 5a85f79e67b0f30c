#include "app/event_json.h"

#include <cstring>
#include <string_view>

#include "app/json_writer.h"
#include "base/assert.h"
#include "base/decimal.h"

namespace qz::app {

std::string format_account_amount(const Ledger& ledger, uint64_t account_id, int64_t minor, std::string* code) {
  const Account* account = ledger.account(account_id);
  QZ_ASSERT_MSG(account != nullptr, "an event names an account the ledger does not have");
  const Asset* asset = ledger.asset(account->asset);
  QZ_ASSERT(asset != nullptr);
  if (code != nullptr) *code = std::string(asset->code_view());
  return format_decimal(minor, asset->scale);
}

std::string event_json(const Event& event, uint64_t height, const CommandOrigin* origin, const Ledger& ledger) {
  JsonWriter json;
  json.begin_object();
  json.field("event", event_kind_name(event.event_kind()));
  json.field("height", height);
  if (origin != nullptr) {
    json.field("line", origin->line_number);
    if (origin->linked) json.field("member", origin->member);
  }
  json.field("code", event.result);
  json.field("result", result_name(event.result_code()));
  if (event.result_code() != Result::ok) json.field("message", result_message(event.result_code()));

  std::string code;
  const auto amount = [&](std::string_view name, uint64_t account, int64_t minor) {
    const std::string text = format_account_amount(ledger, account, minor, &code);
    json.field(name, text);
  };

  switch (event.event_kind()) {
    case EventKind::rejected: {
      const RejectedPayload& p = event.rejected;
      json.field("command", command_kind_name(static_cast<CommandKind>(p.command_kind)));
      json.field("actor", p.actor);
      if (p.request_id != 0) json.field("request_id", p.request_id);
      break;
    }
    case EventKind::duplicate: {
      const DuplicatePayload& p = event.duplicate;
      json.field("command", command_kind_name(static_cast<CommandKind>(p.command_kind)));
      json.field("actor", p.actor);
      json.field("request_id", p.request_id);
      json.field("object_id", p.object_id);
      break;
    }
    case EventKind::asset_created: {
      const AssetCreatedPayload& p = event.asset_created;
      json.field("asset_id", p.asset);
      json.field("asset", std::string_view(p.code, strnlen(p.code, kAssetCodeSize)));
      json.field("scale", static_cast<uint32_t>(p.scale));
      break;
    }
    case EventKind::account_opened: {
      const AccountOpenedPayload& p = event.account_opened;
      const Asset* asset = ledger.asset(p.asset);
      QZ_ASSERT(asset != nullptr);
      json.field("account", p.account);
      json.field("owner", p.owner);
      json.field("asset", asset->code_view());
      json.field("kind", account_kind_name(static_cast<AccountKind>(p.kind)));
      break;
    }
    case EventKind::transfer_posted: {
      const TransferPostedPayload& p = event.transfer_posted;
      json.field("transfer", p.transfer);
      json.field("debit", p.debit);
      json.field("credit", p.credit);
      amount("amount", p.debit, p.amount_minor);
      json.field("asset", code);
      amount("debit_balance", p.debit, p.debit_balance_after);
      amount("credit_balance", p.credit, p.credit_balance_after);
      break;
    }
    case EventKind::hold_placed: {
      const HoldPlacedPayload& p = event.hold_placed;
      json.field("hold", p.hold);
      json.field("account", p.account);
      if (p.credit != 0) json.field("credit", p.credit);
      amount("amount", p.account, p.amount_minor);
      json.field("asset", code);
      if (p.expires_at_ns != 0) json.field("expires_at_ns", p.expires_at_ns);
      amount("account_held", p.account, p.account_held_after);
      break;
    }
    case EventKind::hold_posted: {
      const HoldPostedPayload& p = event.hold_posted;
      json.field("hold", p.hold);
      json.field("transfer", p.transfer);
      json.field("debit", p.debit);
      json.field("credit", p.credit);
      amount("amount", p.debit, p.amount_minor);
      json.field("asset", code);
      amount("remaining", p.debit, p.remaining_minor);
      break;
    }
    case EventKind::hold_voided:
    case EventKind::hold_expired: {
      const HoldReleasedPayload& p = event.hold_released;
      json.field("hold", p.hold);
      json.field("account", p.account);
      amount("amount", p.account, p.amount_minor);
      json.field("asset", code);
      amount("account_held", p.account, p.account_held_after);
      amount("remaining", p.account, p.remaining_minor);
      break;
    }
  }
  json.end_object();
  return json.str();
}

}  // namespace qz::app
