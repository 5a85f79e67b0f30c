#include "monitor/internal/tracker.h"

#include <algorithm>

#include "base/assert.h"
#include "ledger/ledger.h"

namespace qz::monitor::internal {

namespace {

constexpr uint64_t kMaxAccountId = uint64_t{1} << 28;  // beyond any ledger's account limit

bool venue_side(uint8_t kind) {
  return kind == static_cast<uint8_t>(AccountKind::custody) || kind == static_cast<uint8_t>(AccountKind::issuance);
}

}  // namespace

ClientFacts client_facts_of(const ClientFactsSetPayload& payload) {
  ClientFacts facts;
  facts.classification = static_cast<ClientClass>(payload.classification);
  facts.kyc_tier = payload.kyc_tier;
  std::copy(payload.residence, payload.residence + 2, facts.residence);
  std::copy(payload.nationality, payload.nationality + 2, facts.nationality);
  facts.knowledge_test_passed = payload.knowledge_test != 0;
  return facts;
}

void Tracker::on_block(uint64_t height, uint64_t time_ns) {
  if (started_) {
    QZ_ASSERT_MSG(height > height_, "monitor: blocks must come in height order");
    QZ_ASSERT_MSG(time_ns > time_ns_, "monitor: block times must increase");
  }
  started_ = true;
  height_ = height;
  time_ns_ = time_ns;
}

void Tracker::on_event(const Event& event) {
  switch (event.event_kind()) {
    case EventKind::asset_created: {
      const AssetCreatedPayload& p = event.asset_created;
      size_t length = 0;
      while (length < kAssetCodeSize && p.code[length] != '\0') length++;
      AssetInfo& info = assets_[p.asset];
      info.code.assign(p.code, length);
      info.scale = p.scale;
      break;
    }
    case EventKind::account_opened: {
      const AccountOpenedPayload& p = event.account_opened;
      if (p.account == 0 || p.account > kMaxAccountId) break;
      if (p.account > accounts_.size()) accounts_.resize(p.account);
      accounts_[p.account - 1] = AccountInfo{.owner = p.owner, .asset = p.asset, .kind = p.kind};
      break;
    }
    case EventKind::conversion_rate_set:
      if (event.conversion_rate_set.asset != 0) {
        assets_[event.conversion_rate_set.asset].rate_tiyn = event.conversion_rate_set.tiyn_per_unit;
      }
      break;
    case EventKind::market_created: {
      const MarketCreatedPayload& p = event.market_created;
      markets_[p.market] = MarketInfo{.base = p.base, .quote = p.quote, .tick_size = std::max<int64_t>(p.tick_size, 1)};
      break;
    }
    default: break;
  }
}

const AccountInfo* Tracker::account(uint64_t id) const {
  if (id == 0 || id > accounts_.size() || accounts_[id - 1].kind == 0) return nullptr;
  return &accounts_[id - 1];
}

const AssetInfo* Tracker::asset(uint32_t id) const {
  const auto it = assets_.find(id);
  return it == assets_.end() ? nullptr : &it->second;
}

const MarketInfo* Tracker::market(uint32_t id) const {
  const auto it = markets_.find(id);
  return it == markets_.end() ? nullptr : &it->second;
}

std::string Tracker::asset_code(uint32_t id) const {
  const AssetInfo* info = asset(id);
  return info == nullptr ? std::to_string(id) : info->code;
}

uint8_t Tracker::asset_scale(uint32_t id) const {
  const AssetInfo* info = asset(id);
  return info == nullptr ? uint8_t{0} : info->scale;
}

int64_t Tracker::rate_tiyn(const AssetInfo& info) const { return info.code == tenge_asset_ ? 100 : info.rate_tiyn; }

bool Tracker::venue_flow(uint64_t debit, uint64_t credit, VenueFlow* out) const {
  const AccountInfo* from = account(debit);
  const AccountInfo* to = account(credit);
  if (from == nullptr || to == nullptr) return false;
  const auto customer = static_cast<uint8_t>(AccountKind::customer);
  if (venue_side(from->kind) && to->kind == customer) {
    *out = VenueFlow{.deposit = true, .client = to->owner, .asset = to->asset, .from = from, .to = to};
    return true;
  }
  if (from->kind == customer && venue_side(to->kind)) {
    *out = VenueFlow{.deposit = false, .client = from->owner, .asset = from->asset, .from = from, .to = to};
    return true;
  }
  return false;
}

}  // namespace qz::monitor::internal
