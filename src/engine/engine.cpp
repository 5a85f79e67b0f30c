#include "engine/engine.h"

#include <algorithm>
#include <map>
#include <cstring>

#include "base/assert.h"
#include "base/bytes.h"

namespace qz {

namespace {

constexpr char kSnapshotMagic[8] = {'Q', 'Z', 'S', 'N', 'A', 'P', '0', '1'};
constexpr size_t kSnapshotHeaderSize = 8 + 4 + 8 + 8 + 32;

Event duplicate_of(const Command& command, uint32_t index, const RequestEntry& original) {
  Event event = make_event(EventKind::duplicate, index);
  event.result = original.result;
  event.duplicate.actor = command.actor;
  event.duplicate.request_id = command.request_id;
  event.duplicate.object_id = original.object_id;
  event.duplicate.command_kind = command.kind;
  return event;
}

Event released_event(EventKind kind, uint32_t index, const HoldReleased& released) {
  Event event = make_event(kind, index);
  event.hold_released.hold = released.hold_id;
  event.hold_released.account = released.account;
  event.hold_released.amount_minor = released.amount_minor;
  event.hold_released.account_held_after = released.account_held_after;
  event.hold_released.remaining_minor = released.remaining_minor;
  return event;
}

}  // namespace

Engine::Engine(const LedgerLimits& limits, const MarketLimits& market_limits)
    : ledger_(limits),
      requests_(limits.reserved_request_ids),
      exchange_(&ledger_, &clients_, &limits_, &rates_, market_limits) {
  ledger_.set_debit_gate(&client_gate_);
}

void Engine::apply(const BlockInput& block, std::vector<Event>* events) {
  begin_block(block.height, block.time_ns, events);
  apply_part(block.commands, events);
  end_block();
}

void Engine::begin_block(uint64_t height, uint64_t time_ns, std::vector<Event>* events) {
  QZ_ASSERT(!block_open_);
  QZ_ASSERT_EQ(height, next_height_);
  QZ_ASSERT(height == 0 || time_ns > last_time_ns_);
  QZ_ASSERT(!ledger_.in_group());
  block_open_ = true;
  block_time_ns_ = time_ns;
  block_commands_ = 0;
  block_part_open_group_ = false;

  expired_scratch_.clear();
  ledger_.expire_holds(time_ns, &expired_scratch_);
  events->reserve(events->size() + expired_scratch_.size());
  for (const HoldReleased& released : expired_scratch_) {
    events->push_back(released_event(EventKind::hold_expired, kNoCommand, released));
  }
  exchange_.begin_block(time_ns, events);
  if (money_ != nullptr) begin_money_block(time_ns, events);
}

void Engine::apply_part(std::span<const Command> commands, std::vector<Event>* events) {
  QZ_ASSERT(block_open_);
  // A part that ended inside a linked group closed that group as the block's end does: no part may follow it.
  QZ_ASSERT(!block_part_open_group_);
  const size_t events_before = events->size();
  const size_t count = commands.size();
  const size_t base = block_commands_;
  QZ_ASSERT_LT(base + count, static_cast<size_t>(kNoCommand));
  block_commands_ += count;
  if (count == 0) return;
  block_part_open_group_ = commands.back().linked();
  // Order commands average three to four events each (accepted, rested or filled, level changes). Grown by at
  // least half, so that a block applied in many small parts does not copy its events at every part.
  const size_t wanted = events->size() + 4 * count;
  if (events->capacity() < wanted) events->reserve(std::max(wanted, events->capacity() + events->capacity() / 2));
  const uint64_t time_ns = block_time_ns_;
  const auto index_of = [base](size_t i) { return static_cast<uint32_t>(base + i); };

  // Request-id slots are random accesses into a large table: start loading them a few commands ahead.
  constexpr size_t kPrefetchAhead = 8;
  size_t prefetched = 0;  // commands [0, prefetched) have had their slot prefetched
  size_t first = 0;
  while (first < count) {
    for (; prefetched < count && prefetched < first + kPrefetchAhead; prefetched++) {
      prefetch_request(commands[prefetched]);
    }
    const Command& head = commands[first];
    if (!head.linked() && !tracked(head) && stands_alone(head.command_kind())) {
      // The common case, a lone order command with no request id to screen: nothing to screen or remember.
      apply_market_group(commands.subspan(first, 1), index_of(first), time_ns, events);
      first++;
      continue;
    }
    if (!head.linked() && head.request_id == 0 && is_money_command(head.command_kind())) {
      apply_money_group(commands.subspan(first, 1), index_of(first), time_ns, events);
      first++;
      continue;
    }
    size_t last = first;
    while (last < count && commands[last].linked()) last++;
    if (last == count) {
      // The block ends inside a linked group: the group cannot be closed, so none of it applies. Its request
      // ids are screened first like any group's, so that a repeat is answered and never remembered twice.
      if (screen_requests(commands.subspan(first), index_of(first), events)) break;
      for (size_t i = first; i < count; i++) {
        const Command& command = commands[i];
        events->push_back(make_rejection(command, index_of(i), Result::linked_group_open));
        remember(command, Result::linked_group_open, 0);
      }
      break;
    }
    apply_group(commands.subspan(first, last - first + 1), index_of(first), time_ns, events);
    first = last + 1;
  }
  QZ_ASSERT(!ledger_.in_group());
  QZ_ASSERT_GE(events->size() - events_before, count);
}

void Engine::end_block() {
  QZ_ASSERT(block_open_);
  QZ_ASSERT(!ledger_.in_group());
  block_open_ = false;
  next_height_++;  // begin_block asserted the open block's height equal to it
  last_time_ns_ = block_time_ns_;
}

void Engine::prefetch_request(const Command& command) const {
  if (tracked(command)) requests_.prefetch(command.actor, command.request_id);
}

void Engine::remember(const Command& command, Result result, uint64_t object_id) {
  if (!tracked(command)) return;
  requests_.add(RequestEntry{.actor = command.actor,
                             .request_id = command.request_id,
                             .fingerprint = fingerprint64(&command, sizeof command),
                             .object_id = object_id,
                             .result = static_cast<uint32_t>(result),
                             .command_kind = command.kind,
                             .zero = 0});
}

// Looks up every request id of the group. Returns true when the group must not run: some member repeats an
// answered request (duplicate), reuses an id for another command, or two members share an id. Then the events
// are already emitted: duplicates get the original answer, reused ids request_id_reused, the rest
// linked_event_failed; nothing is remembered, because nothing new was decided.
bool Engine::screen_requests(std::span<const Command> group, uint32_t first_index, std::vector<Event>* events) {
  bool any_seen = false;
  for (size_t i = 0; i < group.size(); i++) {
    if (!tracked(group[i])) continue;
    if (requests_.find(group[i].actor, group[i].request_id) != nullptr) any_seen = true;
    for (size_t k = 0; k < i && !any_seen; k++) {
      if (tracked(group[k]) && group[k].actor == group[i].actor && group[k].request_id == group[i].request_id) {
        any_seen = true;
      }
    }
  }
  if (!any_seen) return false;

  for (size_t i = 0; i < group.size(); i++) {
    const Command& command = group[i];
    const auto index = static_cast<uint32_t>(first_index + i);
    const RequestEntry* seen = tracked(command) ? requests_.find(command.actor, command.request_id) : nullptr;
    if (seen != nullptr && seen->fingerprint == fingerprint64(&command, sizeof command) &&
        seen->command_kind == command.kind) {
      events->push_back(duplicate_of(command, index, *seen));
    } else if (seen != nullptr) {
      events->push_back(make_rejection(command, index, Result::request_id_reused));
    } else {
      bool repeats_earlier_member = false;
      for (size_t k = 0; k < i; k++) {
        if (tracked(command) && tracked(group[k]) && group[k].actor == command.actor &&
            group[k].request_id == command.request_id) {
          repeats_earlier_member = true;
        }
      }
      events->push_back(make_rejection(command, index,
                                  repeats_earlier_member ? Result::request_id_reused : Result::linked_event_failed));
    }
  }
  return true;
}

void Engine::apply_group(std::span<const Command> group, uint32_t first_index, uint64_t block_time_ns,
                         std::vector<Event>* events) {
  QZ_ASSERT(!group.empty());
  if (screen_requests(group, first_index, events)) return;
  for (const Command& command : group) {
    if (stands_alone(command.command_kind())) {
      apply_market_group(group, first_index, block_time_ns, events);
      return;
    }
  }
  for (const Command& command : group) {
    if (is_money_command(command.command_kind())) {
      apply_money_group(group, first_index, block_time_ns, events);
      return;
    }
  }

  if (group.size() == 1) {
    // A lone command needs no undo log: every ledger operation checks all its rules before changing anything.
    const Command& command = group[0];
    Event event;
    uint64_t object_id = 0;
    const Result result = apply_one(command, block_time_ns, &event, &object_id);
    event.command_index = first_index;
    events->push_back(result == Result::ok ? event : make_rejection(command, first_index, result));
    remember(command, result, result == Result::ok ? object_id : 0);
    if (result == Result::ok && command.command_kind() == CommandKind::open_account) {
      exchange_.on_account_opened(object_id);
    }
    return;
  }

  const size_t events_before = events->size();
  group_objects_.clear();
  ledger_.begin_group();
  limits_.begin_group();
  size_t failed_at = group.size();
  Result failure = Result::ok;
  for (size_t i = 0; i < group.size(); i++) {
    Event event;
    uint64_t object_id = 0;
    const Result result = apply_one(group[i], block_time_ns, &event, &object_id);
    if (result != Result::ok) {
      failed_at = i;
      failure = result;
      break;
    }
    event.command_index = static_cast<uint32_t>(first_index + i);
    events->push_back(event);
    group_objects_.push_back(object_id);
  }
  const bool keep = failed_at == group.size();
  ledger_.end_group(keep);
  limits_.end_group(keep);
  if (keep) {
    for (size_t i = 0; i < group.size(); i++) {
      remember(group[i], Result::ok, group_objects_[i]);
      if (group[i].command_kind() == CommandKind::open_account) exchange_.on_account_opened(group_objects_[i]);
    }
    return;
  }
  events->resize(events_before);
  for (size_t i = 0; i < group.size(); i++) {
    const Result result = i == failed_at ? failure : Result::linked_event_failed;
    events->push_back(make_rejection(group[i], static_cast<uint32_t>(first_index + i), result));
    remember(group[i], result, 0);
  }
}

// A group with a market or order command: alone, or the cancel-replace pair; any other group is refused.
void Engine::apply_market_group(std::span<const Command> group, uint32_t first_index, uint64_t block_time_ns,
                                std::vector<Event>* events) {
  if (group.size() == 1) {
    const Command& command = group[0];
    const size_t events_before = events->size();
    uint64_t object_id = 0;
    Result result = validate_command(command);
    if (result == Result::ok) {
      if (Exchange::handles(command.command_kind())) {
        result = exchange_.apply(command, first_index, block_time_ns, events, &object_id);
      } else if (command.command_kind() == CommandKind::set_engine_rules) {
        result = set_rules(command, first_index, events);
      } else {
        result = apply_client(command, first_index, events, &object_id);
      }
    }
    if (result != Result::ok) {
      QZ_ASSERT_EQ(events->size(), events_before);
      events->push_back(make_rejection(command, first_index, result));
    }
    remember(command, result, result == Result::ok ? object_id : 0);
    return;
  }
  const bool pair = group.size() == 2 && group[0].command_kind() == CommandKind::cancel_order &&
                    group[1].command_kind() == CommandKind::place_order && group[0].actor == group[1].actor &&
                    group[0].cancel_order.market == group[1].place_order.market;
  Result result = Result::linked_group_unsupported;
  size_t failed = 0;
  uint64_t object_id = 0;
  uint64_t cancelled_id = 0;
  if (pair) {
    result = validate_command(group[0]);
    if (result == Result::ok) {
      failed = 1;
      result = validate_command(group[1]);
    }
    if (result == Result::ok) {
      const size_t events_before = events->size();
      result = exchange_.apply_cancel_replace(group[0], group[1], first_index, block_time_ns, events,
                                              &cancelled_id, &object_id, &failed);
      if (result != Result::ok) QZ_ASSERT_EQ(events->size(), events_before);
    }
  }
  if (result == Result::ok) {
    remember(group[0], Result::ok, cancelled_id);
    remember(group[1], Result::ok, object_id);
    return;
  }
  for (size_t i = 0; i < group.size(); i++) {
    const Result member = !pair || i == failed ? result : Result::linked_event_failed;
    events->push_back(make_rejection(group[i], static_cast<uint32_t>(first_index + i), member));
    remember(group[i], member, 0);
  }
}

// Versions only go up, one or more at a time, and never past the newest this engine knows.
Result Engine::set_rules(const Command& command, uint32_t index, std::vector<Event>* events) {
  if (static_cast<Role>(command.role) != Role::operator_) return Result::actor_not_permitted;
  const uint32_t version = command.set_engine_rules.version;
  if (version <= rules_version_ || version > kEngineRulesVersion) return Result::engine_rules_invalid;
  Event& event = events->emplace_back(make_event(EventKind::engine_rules_set, index));
  event.engine_rules_set.version = version;
  event.engine_rules_set.previous_version = rules_version_;
  rules_version_ = version;
  return Result::ok;
}

// Client commands (docs/clients.md). On a rejection nothing changed and nothing was appended.
Result Engine::apply_client(const Command& command, uint32_t index, std::vector<Event>* events,
                            uint64_t* object_id) {
  const auto role = static_cast<Role>(command.role);
  const bool compliance = role == Role::operator_ || role == Role::compliance;
  switch (command.command_kind()) {
    case CommandKind::register_client:
    case CommandKind::update_client: {
      if (!compliance) return Result::actor_not_permitted;
      const ClientFactsPayload& p = command.client_facts;
      ClientFacts facts;
      facts.classification = static_cast<ClientClass>(p.classification);
      facts.kyc_tier = p.kyc_tier;
      std::memcpy(facts.residence, p.residence, 2);
      std::memcpy(facts.nationality, p.nationality, 2);
      facts.knowledge_test_passed = p.knowledge_test == 1;
      const bool registering = command.command_kind() == CommandKind::register_client;
      const Result r = registering ? clients_.register_client(p.client, facts) : clients_.update_facts(p.client, facts);
      if (r != Result::ok) return r;
      const Client* client = clients_.find(p.client);
      QZ_ASSERT(client != nullptr);
      const size_t at = events->size();
      Event& event = events->emplace_back(
          make_event(registering ? EventKind::client_registered : EventKind::client_updated, index));
      event.client_facts.client = p.client;
      event.client_facts.classification = p.classification;
      event.client_facts.kyc_tier = p.kyc_tier;
      std::memcpy(event.client_facts.residence, p.residence, 2);
      std::memcpy(event.client_facts.nationality, p.nationality, 2);
      event.client_facts.knowledge_test = p.knowledge_test;
      event.client_facts.status = static_cast<uint8_t>(client->status);
      // A user who traded before it was registered is pending now: its open orders could still fill.
      if (registering) {
        (*events)[at].client_facts.orders_cancelled =
            exchange_.cancel_unmovable_orders(p.client, OrderEndReason::client_not_active, index, events);
      }
      *object_id = p.client;
      return Result::ok;
    }
    case CommandKind::set_client_status: {
      if (!compliance) return Result::actor_not_permitted;
      const SetClientStatusPayload& p = command.set_client_status;
      ClientStatus previous = ClientStatus::pending;
      const auto status = static_cast<ClientStatus>(p.status);
      const Result r = clients_.set_status(p.client, status, static_cast<ClientStatusReason>(p.reason), &previous);
      if (r != Result::ok) return r;
      const size_t at = events->size();
      Event& event = events->emplace_back(make_event(EventKind::client_status_changed, index));
      event.client_status_changed.client = p.client;
      event.client_status_changed.status = p.status;
      event.client_status_changed.previous_status = static_cast<uint8_t>(previous);
      event.client_status_changed.reason = p.reason;
      // A frozen or offboarded client's open orders could still fill and move its money: they end now.
      if (status == ClientStatus::frozen || status == ClientStatus::offboarded) {
        const OrderEndReason reason =
            status == ClientStatus::frozen ? OrderEndReason::client_frozen : OrderEndReason::client_offboarded;
        (*events)[at].client_status_changed.orders_cancelled =
            exchange_.cancel_unmovable_orders(p.client, reason, index, events);
      }
      *object_id = p.client;
      return Result::ok;
    }
    case CommandKind::set_client_policy: {
      if (role != Role::operator_) return Result::actor_not_permitted;
      clients_.set_require_registered(command.set_client_policy.require_registered == 1);
      const size_t at = events->size();
      Event& event = events->emplace_back(make_event(EventKind::client_policy_set, index));
      event.client_policy_set.require_registered = command.set_client_policy.require_registered;
      // Turned on, the policy stops every unregistered owner: their open orders end.
      (*events)[at].client_policy_set.orders_cancelled =
          exchange_.cancel_unmovable_orders(0, OrderEndReason::client_not_active, index, events);
      return Result::ok;
    }
    case CommandKind::set_conversion_rate: {
      if (role != Role::operator_) return Result::actor_not_permitted;
      const SetConversionRatePayload& p = command.set_conversion_rate;
      if (p.asset != kUsdRateAsset && ledger_.asset(p.asset) == nullptr) return Result::asset_not_found;
      int64_t previous = 0;
      const Result r = rates_.set(p.asset, p.tiyn_per_unit, &previous);
      if (r != Result::ok) return r;
      Event& event = events->emplace_back(make_event(EventKind::conversion_rate_set, index));
      event.conversion_rate_set.asset = p.asset;
      event.conversion_rate_set.tiyn_per_unit = p.tiyn_per_unit;
      event.conversion_rate_set.previous_tiyn_per_unit = previous;
      *object_id = p.asset;
      return Result::ok;
    }
    case CommandKind::set_tier_limits: {
      if (role != Role::operator_) return Result::actor_not_permitted;
      const SetTierLimitsPayload& p = command.set_tier_limits;
      PeriodLimit previous;
      const Result r = limits_.set_tier_limits(p.tier, static_cast<LimitKind>(p.limit_kind),
                                               PeriodLimit{.daily_tiyn = p.daily_tiyn, .monthly_tiyn = p.monthly_tiyn},
                                               &previous);
      if (r != Result::ok) return r;
      Event& event = events->emplace_back(make_event(EventKind::tier_limits_set, index));
      event.tier_limits_set.tier = p.tier;
      event.tier_limits_set.limit_kind = p.limit_kind;
      event.tier_limits_set.daily_tiyn = p.daily_tiyn;
      event.tier_limits_set.monthly_tiyn = p.monthly_tiyn;
      event.tier_limits_set.previous_daily_tiyn = previous.daily_tiyn;
      event.tier_limits_set.previous_monthly_tiyn = previous.monthly_tiyn;
      *object_id = p.tier;
      return Result::ok;
    }
    case CommandKind::set_retail_cap: {
      if (role != Role::operator_) return Result::actor_not_permitted;
      const SetRetailCapPayload& p = command.set_retail_cap;
      RetailCap cap;
      cap.usd_cents = p.usd_cents;
      cap.residence = {p.residence[0], p.residence[1]};
      if (cap.usd_cents == 0 && (cap.residence[0] != 0 || cap.residence[1] != 0)) return Result::limits_invalid;
      RetailCap previous;
      const Result r = limits_.set_retail_cap(cap, &previous);
      if (r != Result::ok) return r;
      Event& event = events->emplace_back(make_event(EventKind::retail_cap_set, index));
      event.retail_cap_set.usd_cents = cap.usd_cents;
      std::memcpy(event.retail_cap_set.residence, cap.residence.data(), 2);
      std::memcpy(event.retail_cap_set.previous_residence, previous.residence.data(), 2);
      event.retail_cap_set.previous_usd_cents = previous.usd_cents;
      return Result::ok;
    }
    default: break;
  }
  QZ_ASSERT_MSG(false, "apply_client given a command it does not handle");
  return Result::unknown_command_kind;
}

Result Engine::apply_one(const Command& command, uint64_t block_time_ns, Event* event, uint64_t* object_id) {
  const Result valid = validate_command(command);
  if (valid != Result::ok) return valid;
  const Actor actor{.id = command.actor, .role = static_cast<Role>(command.role)};

  switch (command.command_kind()) {
    case CommandKind::tag_order: {
      // Only those who place orders name them; the text was checked by validate_command.
      const auto role = static_cast<Role>(command.role);
      if (role != Role::customer && role != Role::merchant && role != Role::bank && role != Role::operator_) {
        return Result::actor_not_permitted;
      }
      *event = make_event(EventKind::order_tagged, 0);
      event->order_tagged.actor = command.actor;
      event->order_tagged.length = command.tag_order.length;
      std::memcpy(event->order_tagged.text, command.tag_order.text, kClientOrderIdMax);
      return Result::ok;
    }
    case CommandKind::create_asset: {
      const auto& p = command.create_asset;
      uint32_t asset_id = 0;
      const Result r =
          ledger_.create_asset(actor, std::string_view(p.code, strnlen(p.code, kAssetCodeSize)), p.scale, &asset_id);
      if (r != Result::ok) return r;
      *event = make_event(EventKind::asset_created, 0);
      event->asset_created.asset = asset_id;
      event->asset_created.scale = p.scale;
      std::memcpy(event->asset_created.code, p.code, kAssetCodeSize);
      *object_id = asset_id;
      return Result::ok;
    }
    case CommandKind::open_account: {
      const auto& p = command.open_account;
      uint64_t account_id = 0;
      const Result r = ledger_.open_account(actor, p.owner, p.asset, p.kind, &account_id);
      if (r != Result::ok) return r;
      *event = make_event(EventKind::account_opened, 0);
      event->account_opened.account = account_id;
      event->account_opened.owner = p.owner;
      event->account_opened.asset = p.asset;
      event->account_opened.kind = p.kind;
      *object_id = account_id;
      return Result::ok;
    }
    case CommandKind::transfer: {
      const auto& p = command.transfer;
      if (money_only(p.debit) || money_only(p.credit)) return Result::money_account_in_use;
      Movement movement;
      bool counted = false;
      if (const Result r = check_movement(p.debit, p.credit, p.amount_minor, block_time_ns, &movement, &counted);
          r != Result::ok) {
        return r;
      }
      TransferDone done;
      const Result r = ledger_.transfer(
          actor, TransferRequest{.debit = p.debit, .credit = p.credit, .amount_minor = p.amount_minor}, &done);
      if (r != Result::ok) return r;
      if (counted) limits_.add_movement(movement.client, movement.kind, movement.value_tiyn, period_of(block_time_ns));
      *event = make_event(EventKind::transfer_posted, 0);
      event->transfer_posted = TransferPostedPayload{.transfer = done.transfer_id,
                                                     .debit = p.debit,
                                                     .credit = p.credit,
                                                     .amount_minor = p.amount_minor,
                                                     .debit_balance_after = done.debit_balance_after,
                                                     .credit_balance_after = done.credit_balance_after};
      *object_id = done.transfer_id;
      return Result::ok;
    }
    case CommandKind::hold: {
      const auto& p = command.hold;
      if (money_only(p.account) || money_only(p.credit)) return Result::money_account_in_use;
      HoldDone done;
      const Result r = ledger_.hold(actor,
                                    HoldRequest{.account = p.account, .credit = p.credit,
                                                .amount_minor = p.amount_minor, .timeout_ns = p.timeout_ns},
                                    block_time_ns, &done);
      if (r != Result::ok) return r;
      *event = make_event(EventKind::hold_placed, 0);
      event->hold_placed = HoldPlacedPayload{.hold = done.hold_id,
                                             .account = p.account,
                                             .credit = p.credit,
                                             .amount_minor = p.amount_minor,
                                             .expires_at_ns = done.expires_at_ns,
                                             .account_held_after = done.account_held_after};
      *object_id = done.hold_id;
      return Result::ok;
    }
    case CommandKind::post_hold: {
      const auto& p = command.post_hold;
      if (money_only(p.credit)) return Result::money_account_in_use;
      Movement movement;
      bool counted = false;
      // What the post would move, as the ledger reads it: 0 = all that is held, to the hold's own credit.
      if (const Hold* held = ledger_.hold(p.hold); held != nullptr && p.amount_minor >= 0) {
        const int64_t amount = p.amount_minor == 0 ? held->remaining_minor : p.amount_minor;
        const uint64_t credit = p.credit == 0 ? held->credit : p.credit;
        if (const Result r = check_movement(held->account, credit, amount, block_time_ns, &movement, &counted);
            r != Result::ok) {
          return r;
        }
      }
      PostDone done;
      const Result r = ledger_.post_hold(
          actor, PostRequest{.hold = p.hold, .credit = p.credit, .amount_minor = p.amount_minor}, &done);
      if (r != Result::ok) return r;
      if (counted) limits_.add_movement(movement.client, movement.kind, movement.value_tiyn, period_of(block_time_ns));
      *event = make_event(EventKind::hold_posted, 0);
      event->hold_posted = HoldPostedPayload{.hold = p.hold,
                                             .transfer = done.transfer_id,
                                             .debit = done.debit,
                                             .credit = done.credit,
                                             .amount_minor = done.amount_minor,
                                             .remaining_minor = done.remaining_minor};
      *object_id = done.transfer_id;
      return Result::ok;
    }
    case CommandKind::void_hold: {
      HoldReleased released;
      const Result r = ledger_.void_hold(actor, command.void_hold.hold, command.void_hold.amount_minor, &released);
      if (r != Result::ok) return r;
      *event = released_event(EventKind::hold_voided, 0, released);
      *object_id = released.hold_id;
      return Result::ok;
    }
    default: break;  // market and order commands go to apply_market_group
  }
  QZ_ASSERT_MSG(false, "validate_command let an unknown kind through");
  return Result::unknown_command_kind;
}

Result Engine::check_movement(uint64_t debit_id, uint64_t credit_id, int64_t amount_minor, uint64_t block_time_ns,
                              Movement* movement, bool* counted) const {
  *counted = false;
  if (clients_.size() == 0 || amount_minor <= 0) return Result::ok;  // no client, or the ledger refuses it
  const Account* debit = ledger_.account(debit_id);
  const Account* credit = ledger_.account(credit_id);
  if (debit == nullptr || credit == nullptr || debit->asset != credit->asset) return Result::ok;  // likewise
  const auto venue = [](const Account& account) {
    return account.kind == AccountKind::custody || account.kind == AccountKind::issuance;
  };
  if (credit->kind == AccountKind::customer && venue(*debit)) {
    *movement = Movement{.client = credit->owner, .kind = LimitKind::deposit, .value_tiyn = 0};
  } else if (debit->kind == AccountKind::customer && venue(*credit)) {
    *movement = Movement{.client = debit->owner, .kind = LimitKind::withdrawal, .value_tiyn = 0};
  } else {
    return Result::ok;  // between clients, or within the venue: neither a deposit nor a withdrawal
  }
  const Client* client = clients_.find(movement->client);
  if (client == nullptr || !limits_.movement_limited(client->facts.kyc_tier, movement->kind)) return Result::ok;
  const int64_t rate = rates_.rate(debit->asset);
  if (rate == 0) return Result::conversion_rate_missing;
  const Asset* asset = ledger_.asset(debit->asset);
  QZ_ASSERT(asset != nullptr);
  if (!tenge_value(amount_minor, asset->scale, rate, &movement->value_tiyn)) return Result::amount_overflow;
  const Result r = limits_.check_movement(movement->client, client->facts.kyc_tier, movement->kind,
                                          movement->value_tiyn, period_of(block_time_ns));
  if (r != Result::ok) return r;
  *counted = true;
  return Result::ok;
}

Hash256 Engine::state_hash() const {
  QZ_ASSERT(!block_open_);
  Sha256 hasher;
  hasher.update("qazna.state.v1");
  hasher.update_u64(next_height_);
  hasher.update_u64(last_time_ns_);
  ledger_.hash_into(&hasher);
  requests_.hash_into(&hasher);
  exchange_.hash_into(&hasher);
  hasher.update("qazna.clients.v1");
  clients_.hash_into(&hasher);
  hasher.update("qazna.rates.v1");
  rates_.hash_into(&hasher);
  hasher.update("qazna.limits.v1");
  limits_.hash_into(&hasher);
  // Only once the book exists, so that the hashes recorded by journals from before it still match.
  if (money_ != nullptr) {
    money_->hash_into(&hasher);
    hasher.update("qazna.exchange_link.v1");
    hasher.update_u64(exchange_venue_wallet_);
    hasher.update_u64(exchange_tenge_account_);
  }
  // Only from version 2 on, for the same reason.
  if (rules_version_ >= 2) {
    hasher.update("qazna.rules.v1");
    hasher.update_u64(rules_version_);
  }
  return hasher.finish();
}

// Each client's committed purchases equal the commitments of its open buy orders.
std::string Engine::commitments_problem() const {
  const std::map<uint64_t, int64_t> open = exchange_.open_commitments();
  for (const auto& [owner, tiyn] : open) {
    const ClientUsage* usage = limits_.usage(owner);
    if (usage == nullptr || usage->committed_tiyn != tiyn) {
      return "limits: client " + std::to_string(owner) + " has open orders committing " + std::to_string(tiyn) +
             " tiyn, the limits count " + std::to_string(usage == nullptr ? 0 : usage->committed_tiyn);
    }
  }
  std::string problem;
  limits_.for_each_usage([&](uint64_t client, const ClientUsage& usage) {
    if (problem.empty() && usage.committed_tiyn != 0 && open.count(client) == 0) {
      problem = "limits: client " + std::to_string(client) + " has commitments but no open buy order";
    }
  });
  return problem;
}

std::string Engine::check_invariants() const {
  QZ_ASSERT(!block_open_);
  std::string problem = ledger_.check_invariants();
  if (!problem.empty()) return problem;
  problem = exchange_.check_invariants();
  if (!problem.empty()) return problem;
  problem = clients_.check_invariants();
  if (!problem.empty()) return problem;
  problem = rates_.check_invariants();
  if (!problem.empty()) return problem;
  problem = limits_.check_invariants();
  if (!problem.empty()) return problem;
  problem = commitments_problem();
  if (!problem.empty()) return problem;
  problem = money_problem();
  if (!problem.empty()) return problem;
  for (const auto& [asset, rate] : rates_.all()) {
    if (asset != kUsdRateAsset && ledger_.asset(asset) == nullptr) {
      return "rates: asset " + std::to_string(asset) + " has a rate but does not exist";
    }
  }
  return requests_.check_invariants();
}

void Engine::write_snapshot(std::vector<uint8_t>* out, const Hash256* known_state_hash) const {
  QZ_ASSERT(!block_open_);
  uint8_t header[kSnapshotHeaderSize];
  std::memcpy(header, kSnapshotMagic, sizeof kSnapshotMagic);
  put_u32(header + 8, kSnapshotFormatVersion);
  put_u64(header + 12, next_height_);
  put_u64(header + 20, last_time_ns_);
  const Hash256 hash = known_state_hash != nullptr ? *known_state_hash : state_hash();
  std::memcpy(header + 28, hash.bytes.data(), 32);
  out->assign(header, header + kSnapshotHeaderSize);
  ByteWriter writer(out);
  ledger_.write_snapshot(&writer);
  requests_.write_snapshot(&writer);
  exchange_.write_snapshot(&writer);
  clients_.write_snapshot(&writer);
  rates_.write_snapshot(&writer);
  limits_.write_snapshot(&writer);
  writer.u8(money_ != nullptr ? 1 : 0);
  if (money_ != nullptr) {
    writer.u32(money_->asset());
    money_->write_snapshot(&writer);
    writer.u64(exchange_venue_wallet_);
    writer.u64(exchange_tenge_account_);
  }
  writer.u32(rules_version_);
  const Hash256 digest = sha256(out->data(), out->size());
  writer.bytes(digest.bytes.data(), 32);
}

Status Engine::load_snapshot(std::span<const uint8_t> data) {
  QZ_ASSERT(next_height_ == 0 && ledger_.account_count() == 0);
  if (data.size() < kSnapshotHeaderSize + 32) return Status::error("snapshot: too short");
  const size_t body_end = data.size() - 32;
  Hash256 recorded_digest;
  std::memcpy(recorded_digest.bytes.data(), data.data() + body_end, 32);
  if (sha256(data.data(), body_end) != recorded_digest) return Status::error("snapshot: digest mismatch");
  if (std::memcmp(data.data(), kSnapshotMagic, sizeof kSnapshotMagic) != 0) return Status::error("snapshot: bad magic");

  ByteReader reader(data.data() + sizeof kSnapshotMagic, body_end - sizeof kSnapshotMagic);
  const uint32_t version = reader.u32();
  if (version != kSnapshotFormatVersion && version != 7 && version != 6) {
    return Status::error("snapshot: format version " + std::to_string(version) + " is not supported");
  }
  const uint64_t height = reader.u64();
  const uint64_t time_ns = reader.u64();
  Hash256 recorded_state;
  reader.bytes(recorded_state.bytes.data(), 32);
  if (!reader.ok() || height == 0) return Status::error("snapshot: bad header");
  if (!ledger_.read_snapshot(&reader)) return Status::error("snapshot: ledger section is malformed or inconsistent");
  if (!requests_.read_snapshot(&reader)) return Status::error("snapshot: request table is malformed");
  if (!exchange_.read_snapshot(&reader)) return Status::error("snapshot: markets section is malformed or inconsistent");
  if (!clients_.read_snapshot(&reader)) return Status::error("snapshot: client registry is malformed");
  if (!rates_.read_snapshot(&reader)) return Status::error("snapshot: conversion rates are malformed");
  if (!limits_.read_snapshot(&reader)) return Status::error("snapshot: client limits are malformed");
  if (version >= 7) {
    const uint8_t has_money = reader.u8();
    if (has_money > 1) return Status::error("snapshot: money section flag is malformed");
    if (has_money == 1) {
      const uint32_t asset = reader.u32();
      const Asset* dkzt = ledger_.asset(asset);
      if (!reader.ok() || dkzt == nullptr || dkzt->code_view() != "DKZT") {
        return Status::error("snapshot: the digital tenge's asset is missing");
      }
      money_ = std::make_unique<MoneyBook>(asset);
      if (!money_->read_snapshot(&reader, ledger_)) {
        return Status::error("snapshot: the digital tenge's book is malformed or inconsistent");
      }
      exchange_venue_wallet_ = reader.u64();
      exchange_tenge_account_ = reader.u64();
      if (const std::string problem = money_problem(); !problem.empty()) return Status::error("snapshot: " + problem);
    }
  }
  if (version >= 8) {
    rules_version_ = reader.u32();
    if (!reader.ok() || rules_version_ == 0 || rules_version_ > kEngineRulesVersion) {
      return Status::error("snapshot: engine rules version " + std::to_string(rules_version_) +
                           " is not one this engine knows");
    }
  }
  if (const std::string problem = commitments_problem(); !problem.empty()) {
    return Status::error("snapshot: orders and limits disagree: " + problem);
  }
  for (const auto& [asset, rate] : rates_.all()) {
    if (asset != kUsdRateAsset && ledger_.asset(asset) == nullptr) {
      return Status::error("snapshot: a conversion rate names an asset that does not exist");
    }
  }
  // The exchange checked its orders before the registry was there: again, now that it knows who may trade.
  if (const std::string problem = exchange_.check_invariants(); !problem.empty()) {
    return Status::error("snapshot: markets and clients disagree: " + problem);
  }
  if (!reader.ok() || reader.remaining() != 0) return Status::error("snapshot: trailing or missing bytes");
  next_height_ = height;
  last_time_ns_ = time_ns;
  if (state_hash() != recorded_state) return Status::error("snapshot: state hash does not match its contents");
  return Status::ok();
}

}  // namespace qz
