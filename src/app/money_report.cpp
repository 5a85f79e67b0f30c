#include "app/money_report.h"

#include <cstring>

#include "base/assert.h"
#include "json/writer.h"
#include "money/report.h"

namespace qz::app {

namespace {

void tenge(json::Writer* json, std::string_view name, int64_t minor) {
  const std::string text = format_tenge(minor);
  json->field(name, json::Decimal{text});
}

}  // namespace

void ProgramJournal::hop(const char* name, uint64_t from, uint64_t to, int64_t amount_minor, bool pending,
                         uint64_t release) {
  QZ_ASSERT(amount_minor > 0);
  trail_.push_back(TrailStep{.height = height_, .time_ns = time_ns_, .hop = name, .from = from, .to = to,
                             .amount_minor = amount_minor, .pending = pending, .release = release});
}

void ProgramJournal::on_block(uint64_t height, uint64_t time_ns, std::span<const Event> events) {
  height_ = height;
  time_ns_ = time_ns;
  for (const Event& event : events) {
    if (event.result_code() != Result::ok) continue;
    switch (event.event_kind()) {
      case EventKind::wallet_opened: {
        const WalletOpenedPayload& p = event.wallet_opened;
        wallets_[p.wallet] = WalletFacts{.kind = static_cast<WalletKind>(p.kind), .mcc = p.mcc, .region = p.region};
        break;
      }
      case EventKind::program_published:
        if (event.program_published.program == program_) {
          const ProgramPublishedPayload& p = event.program_published;
          code_.assign(p.code, strnlen(p.code, sizeof p.code));
          version_ = p.version;
          issuer_ = p.issuer_wallet;
        }
        break;
      case EventKind::program_granted:
        if (event.money_plan.program == program_) stats_.granted_minor += event.money_plan.amount_minor;
        break;
      case EventKind::program_status_changed:
        if (event.money_plan.program == program_) status_ = static_cast<ProgramStatus>(event.money_plan.status);
        break;
      case EventKind::program_expired:
        if (event.money_plan.program == program_) status_ = ProgramStatus::expired;
        break;
      case EventKind::release_opened:
        if (event.release_opened.program == program_) {
          const ReleaseOpenedPayload& p = event.release_opened;
          stats_.pending_minor += p.amount_minor;
          hop("granted", issuer_, p.holder, p.amount_minor, true, p.release);
        }
        break;
      case EventKind::release_closed:
        if (event.release_closed.program == program_) {
          const ReleaseClosedPayload& p = event.release_closed;
          stats_.pending_minor -= p.amount_minor;
          if (p.returned != 0) {
            stats_.returned_minor += p.amount_minor;
            hop("returned", p.holder, issuer_, p.amount_minor, true, p.release);
          }
        }
        break;
      case EventKind::lot_changed: {
        const LotChangedPayload& p = event.lot_changed;
        if (p.program != program_) break;
        stats_.outstanding_minor += p.delta_minor;
        const int64_t moved = p.delta_minor < 0 ? -p.delta_minor : p.delta_minor;
        if (moved == 0) break;
        switch (static_cast<LotChangeKind>(p.change)) {
          case LotChangeKind::granted: hop("granted", p.counterparty, p.holder, moved, false, 0); break;
          case LotChangeKind::released:
            stats_.released_minor += moved;
            hop("released", p.holder, p.holder, moved, false, 0);
            break;
          case LotChangeKind::spent: {
            const WalletFacts& to = wallets_[p.counterparty];
            stats_.spent_minor += moved;
            stats_.spent_by_category_region[{to.mcc, to.region}] += moved;
            if (to.kind == WalletKind::bank) stats_.cashed_out_minor += moved;
            terminal_[p.counterparty] += moved;
            hop("unwrapped", p.holder, p.counterparty, moved, false, 0);
            break;
          }
          case LotChangeKind::sent:
            stats_.moved_minor += moved;
            hop("passed", p.holder, p.counterparty, moved, false, 0);
            break;
          case LotChangeKind::received: break;  // the other half of a "passed" hop
          case LotChangeKind::returned:
            stats_.returned_minor += moved;
            hop("returned", p.holder, p.counterparty, moved, false, 0);
            break;
          case LotChangeKind::released_at_expiry:
            stats_.released_at_expiry_minor += moved;
            hop("released_at_expiry", p.holder, p.holder, moved, false, 0);
            break;
        }
        break;
      }
      default: break;
    }
  }
}

std::string ProgramJournal::report_json() const {
  json::Writer json;
  json.begin_object();
  json.field("program", program_);
  json.field("code", code_);
  json.field("version", version_);
  json.field("issuer_wallet", issuer_);
  json.field("status", program_status_name(status_));
  json.field("height", height_);
  const ProgramStats& t = stats_;
  tenge(&json, "granted", t.granted_minor);
  tenge(&json, "pending", t.pending_minor);
  tenge(&json, "released", t.released_minor);
  tenge(&json, "outstanding", t.outstanding_minor);
  tenge(&json, "spent", t.spent_minor);
  tenge(&json, "cashed_out", t.cashed_out_minor);
  tenge(&json, "moved", t.moved_minor);
  tenge(&json, "returned", t.returned_minor);
  tenge(&json, "released_at_expiry", t.released_at_expiry_minor);
  json.key("spent_by_category_region").begin_array();
  for (const auto& [key, spent] : t.spent_by_category_region) {
    json.begin_object();
    json.field("mcc", static_cast<uint32_t>(key.first));
    json.field("region", static_cast<uint32_t>(key.second));
    tenge(&json, "spent", spent);
    json.end_object();
  }
  json.end_array();
  // granted = outstanding + pending + spent + returned + released at expiry (docs/money.md, "Invariants").
  json.field("balanced", t.granted_minor == t.outstanding_minor + t.pending_minor + t.spent_minor + t.returned_minor +
                                               t.released_at_expiry_minor);
  json.end_object();
  return json.take();
}

std::string ProgramJournal::trail_json() const {
  json::Writer json;
  json.begin_object();
  json.field("program", program_);
  json.field("code", code_);
  json.field("version", version_);
  json.field("issuer_wallet", issuer_);
  json.key("hops").begin_array();
  for (const TrailStep& step : trail_) {
    json.begin_object();
    json.field("height", step.height);
    json.field("time_ns", step.time_ns);
    json.field("hop", step.hop);
    json.field("from", step.from);
    json.field("to", step.to);
    tenge(&json, "amount", step.amount_minor);
    if (step.pending) json.field("pending", true);
    if (step.release != 0) json.field("release", step.release);
    json.end_object();
  }
  json.end_array();
  json.key("terminal_recipients").begin_array();
  for (const auto& [wallet, amount] : terminal_) {
    const auto facts = wallets_.find(wallet);
    json.begin_object();
    json.field("wallet", wallet);
    if (facts != wallets_.end()) {
      json.field("kind", wallet_kind_name(facts->second.kind));
      if (facts->second.mcc != 0) json.field("mcc", static_cast<uint32_t>(facts->second.mcc));
      if (facts->second.region != 0) json.field("region", static_cast<uint32_t>(facts->second.region));
    }
    tenge(&json, "amount", amount);
    json.end_object();
  }
  json.end_array();
  json.end_object();
  return json.take();
}

}  // namespace qz::app
