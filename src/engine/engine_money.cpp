// The engine's wiring of the digital tenge (docs/money.md, "The engine wiring").
//
// The book (money/money.h) decides and the engine executes at once: each money command is its own group, one
// ledger group per plan (MoneyBook::execute opens and closes it), so a money command is never linked with
// other commands. The exceptions are the parts of one definition: program_terms, program_limits and
// program_list before publish_program, grant_tranches before grant, all from the same actor; the group applies
// whole. Events come only from a command that succeeded, in command order: money_part_taken for each part,
// then the command's own. The book is made at the first money command, once the operator has created DKZT.
#include <cstring>

#include "base/assert.h"
#include "engine/engine.h"

namespace qz {

namespace {

constexpr Actor kVenue{.id = 0, .role = Role::operator_};

EventKind plan_event_kind(const Plan& plan) {
  switch (plan.kind) {
    case PlanKind::issue: return EventKind::cbdc_issued;
    case PlanKind::redeem: return EventKind::cbdc_redeemed;
    case PlanKind::grant: return EventKind::program_granted;
    case PlanKind::payment: return EventKind::cbdc_paid;
    case PlanKind::release: return EventKind::release_done;
    case PlanKind::dispute: return EventKind::release_disputed;
    case PlanKind::cancel_release: return EventKind::release_cancelled;
    case PlanKind::program_status: return EventKind::program_status_changed;
    case PlanKind::expiry: return EventKind::program_expired;
  }
  QZ_ASSERT_MSG(false, "money: a plan of unknown kind");
  return EventKind::cbdc_paid;
}

uint32_t count32(size_t count) {
  QZ_ASSERT_LE(count, size_t{UINT32_MAX});  // postings and lots are bounded by the ledger's accounts (2^26)
  return static_cast<uint32_t>(count);
}

// Who may send which money command, checked before the book's own checks (which name the wallet's owner, the
// issuer or the attester). Read-only and unauthenticated roles move no money.
bool role_may_send(CommandKind kind, Role role) {
  if (role == Role::none || role == Role::compliance || role == Role::regulator || static_cast<uint8_t>(role) > kMaxRole) {
    return false;
  }
  switch (kind) {
    case CommandKind::define_wallet_class: return role == Role::central_bank || role == Role::operator_;
    case CommandKind::open_wallet: return role == Role::central_bank || role == Role::bank || role == Role::operator_;
    case CommandKind::issue_cbdc:
    case CommandKind::redeem_cbdc: return role == Role::central_bank;
    case CommandKind::set_exchange_link: return role == Role::operator_;
    default: return true;
  }
}

// The part fits the command it precedes.
bool part_of(CommandKind part, CommandKind head) {
  if (part == CommandKind::grant_tranches) return head == CommandKind::grant;
  return is_money_part(part) && head == CommandKind::publish_program;
}

// The spec a publish group describes: ProgramSpec's defaults, then each part in order.
ProgramSpec program_spec_of(std::span<const Command> group) {
  ProgramSpec spec;
  const PublishProgramPayload& head = group.back().publish_program;
  spec.code.assign(head.code, strnlen(head.code, sizeof head.code));
  spec.issuer_wallet = head.issuer_wallet;
  spec.escrow_account = head.escrow_account;
  for (const Command& part : group.first(group.size() - 1)) {
    switch (part.command_kind()) {
      case CommandKind::program_terms: {
        const ProgramTermsPayload& p = part.program_terms;
        spec.valid_from_ns = p.valid_from_ns;
        spec.expires_at_ns = p.expires_at_ns;
        spec.attester = p.attester;
        spec.category_share_cap_bps = p.category_share_cap_bps;
        spec.expiry_action = static_cast<ExpiryAction>(p.expiry_action);
        spec.release_rule = static_cast<ReleaseRule>(p.release_rule);
        spec.terminal_kinds = p.terminal_kinds;
        spec.p2p_allowed = (p.flags & kProgramP2p) != 0;
        spec.cash_out_allowed = (p.flags & kProgramCashOut) != 0;
        break;
      }
      case CommandKind::program_limits: {
        const ProgramLimitsPayload& p = part.program_limits;
        spec.per_payment_limit_minor = p.per_payment_limit_minor;
        spec.period_limit_minor = p.period_limit_minor;
        spec.period_ns = p.period_ns;
        spec.release_delay_ns = p.release_delay_ns;
        break;
      }
      case CommandKind::program_list: {
        const ProgramListPayload& p = part.program_list;
        for (size_t i = 0; i < p.count; i++) {
          switch (static_cast<ProgramListKind>(p.list)) {
            case ProgramListKind::allow: spec.allow.push_back(p.wallets[i]); break;
            case ProgramListKind::deny: spec.deny.push_back(p.wallets[i]); break;
            case ProgramListKind::categories: spec.categories.push_back(p.codes[i]); break;
            case ProgramListKind::regions: spec.regions.push_back(p.codes[i]); break;
            case ProgramListKind::classes: spec.eligible_classes.push_back(p.classes[i]); break;
          }
        }
        break;
      }
      default: QZ_ASSERT_MSG(false, "money: a part that does not belong to publish_program");
    }
  }
  return spec;
}

}  // namespace

bool Engine::money_only(uint64_t account_id) const {
  if (money_ == nullptr || !money_->account_in_use(account_id)) return false;
  const Account* account = ledger_.account(account_id);
  return account != nullptr && (account->kind == AccountKind::issuance || account->kind == AccountKind::escrow);
}

std::string Engine::money_problem() const {
  if (money_ == nullptr) return "";
  std::string problem = money_->check_invariants(ledger_);
  if (!problem.empty()) return problem;
  if ((exchange_venue_wallet_ == 0) != (exchange_tenge_account_ == 0)) return "money: half an exchange link";
  if (exchange_venue_wallet_ != 0) {
    const Wallet* venue = money_->wallet(exchange_venue_wallet_);
    const Account* tenge = ledger_.account(exchange_tenge_account_);
    if (venue == nullptr || venue->spec.kind != WalletKind::merchant || venue->spec.mcc != kMccQuasiCash ||
        tenge == nullptr) {
      return "money: the exchange link names a wallet or account that does not fit";
    }
  }
  return "";
}

void Engine::begin_money_block(uint64_t block_time_ns, std::vector<Event>* events) {
  money_plans_.clear();
  money_posted_.clear();
  money_->begin_block(&ledger_, block_time_ns, &money_plans_, &money_posted_);
  size_t posting = 0;
  for (const Plan& plan : money_plans_) {
    QZ_ASSERT_LE(posting + plan.postings.size(), money_posted_.size());
    emit_plan(plan, kNoCommand, money_posted_.data() + posting, events);
    posting += plan.postings.size();
  }
  QZ_ASSERT_EQ(posting, money_posted_.size());
}

void Engine::emit_plan(const Plan& plan, uint32_t index, const TransferDone* posted,
                       std::vector<Event>* events) const {
  Event& head = events->emplace_back(make_event(plan_event_kind(plan), index));
  head.money_plan.payer = plan.payer;
  head.money_plan.payee = plan.payee;
  head.money_plan.amount_minor = plan.amount_minor;
  head.money_plan.release = plan.release;
  head.money_plan.program = plan.program;
  head.money_plan.status = plan.kind == PlanKind::program_status ? static_cast<uint8_t>(plan.status) : 0;
  QZ_ASSERT_LE(plan.opened.size(), kTranchesMax);
  head.money_plan.postings = count32(plan.postings.size());
  head.money_plan.lot_changes = count32(plan.lot_changes.size());
  head.money_plan.releases_opened = static_cast<uint8_t>(plan.opened.size());
  for (size_t i = 0; i < plan.postings.size(); i++) {
    const MoneyPosting& posting = plan.postings[i];
    Event& event = events->emplace_back(make_event(EventKind::transfer_posted, index));
    event.transfer_posted = TransferPostedPayload{.transfer = posted[i].transfer_id,
                                                  .debit = posting.debit,
                                                  .credit = posting.credit,
                                                  .amount_minor = posting.amount_minor,
                                                  .debit_balance_after = posted[i].debit_balance_after,
                                                  .credit_balance_after = posted[i].credit_balance_after};
  }
  for (const LotChange& change : plan.lot_changes) {
    Event& event = events->emplace_back(make_event(EventKind::lot_changed, index));
    event.lot_changed.holder = change.holder;
    event.lot_changed.counterparty = change.counterparty;
    event.lot_changed.delta_minor = change.delta_minor;
    event.lot_changed.program = change.program;
    event.lot_changed.change = static_cast<uint8_t>(change.kind);
  }
  for (const PendingRelease& opened : plan.opened) {
    Event& event = events->emplace_back(make_event(EventKind::release_opened, index));
    event.release_opened.release = opened.id;
    event.release_opened.grant = opened.grant;
    event.release_opened.holder = opened.holder;
    event.release_opened.amount_minor = opened.amount_minor;
    event.release_opened.release_at_ns = opened.release_at_ns;
    event.release_opened.program = opened.program;
    event.release_opened.tranche = opened.tranche;
  }
  for (const ClosedRelease& closed : plan.closed) {
    Event& event = events->emplace_back(make_event(EventKind::release_closed, index));
    event.release_closed.release = closed.id;
    event.release_closed.holder = closed.holder;
    event.release_closed.amount_minor = closed.amount_minor;
    event.release_closed.program = plan.program;
    event.release_closed.returned = closed.returned ? 1 : 0;
  }
}

Result Engine::run_plan(Result decided, uint32_t index, std::vector<Event>* events) {
  if (decided != Result::ok) return decided;
  money_posted_.clear();
  const Result executed = money_->execute(&ledger_, money_plan_, &money_posted_);
  if (executed != Result::ok) return executed;
  QZ_ASSERT_EQ(money_posted_.size(), money_plan_.postings.size());
  emit_plan(money_plan_, index, money_posted_.data(), events);
  return Result::ok;
}

void Engine::apply_money_group(std::span<const Command> group, uint32_t first_index, uint64_t block_time_ns,
                               std::vector<Event>* events) {
  QZ_ASSERT(!group.empty());
  QZ_ASSERT(!ledger_.in_group());
  const Command& head = group.back();
  size_t failed = group.size() - 1;
  Result result = Result::ok;
  // The shape: parts of the head's definition from the head's actor, then the head.
  for (size_t i = 0; i < group.size() && result == Result::ok; i++) {
    const Command& command = group[i];
    const bool last = i + 1 == group.size();
    if (!last && (!part_of(command.command_kind(), head.command_kind()) || command.actor != head.actor ||
                  command.role != head.role)) {
      failed = i;
      result = Result::linked_group_unsupported;
    } else if (last && (!is_money_command(command.command_kind()) || is_money_part(command.command_kind()))) {
      failed = i;
      result = Result::linked_group_unsupported;
    }
  }
  for (size_t i = 0; i < group.size() && result == Result::ok; i++) {
    result = validate_command(group[i]);
    if (result == Result::ok && !role_may_send(head.command_kind(), static_cast<Role>(group[i].role))) {
      result = Result::actor_not_permitted;
    }
    if (result != Result::ok) failed = i;
  }
  const size_t events_before = events->size();
  uint64_t object_id = 0;
  if (result == Result::ok) {
    for (size_t i = 0; i + 1 < group.size(); i++) {
      Event& event = events->emplace_back(make_event(EventKind::money_part_taken, static_cast<uint32_t>(first_index + i)));
      event.money_part_taken.command_kind = group[i].kind;
    }
    result = apply_money(group, first_index + static_cast<uint32_t>(group.size() - 1), block_time_ns, events,
                         &object_id);
    if (result != Result::ok) events->resize(events_before);
  }
  QZ_ASSERT(!ledger_.in_group());
  if (result == Result::ok) {
    for (size_t i = 0; i < group.size(); i++) remember(group[i], Result::ok, i + 1 == group.size() ? object_id : 0);
    return;
  }
  for (size_t i = 0; i < group.size(); i++) {
    const Result member = i == failed ? result : Result::linked_event_failed;
    events->push_back(make_rejection(group[i], static_cast<uint32_t>(first_index + i), member));
    remember(group[i], member, 0);
  }
}

// Opens a digital tenge account for a wallet or an escrow, inside the caller's ledger group.
Result Engine::open_money_account(uint64_t owner, AccountKind kind, uint32_t index, std::vector<Event>* events,
                                  uint64_t* account_id) {
  QZ_ASSERT(ledger_.in_group());
  const Result r = ledger_.open_account(kVenue, owner, money_->asset(), static_cast<uint8_t>(kind), account_id);
  if (r != Result::ok) return r;
  Event& event = events->emplace_back(make_event(EventKind::account_opened, index));
  event.account_opened.account = *account_id;
  event.account_opened.owner = owner;
  event.account_opened.asset = money_->asset();
  event.account_opened.kind = static_cast<uint8_t>(kind);
  return Result::ok;
}

// The group's last command, with its parts before it. On a refusal nothing changed and nothing was appended
// (the caller drops the parts' events).
Result Engine::apply_money(std::span<const Command> group, uint32_t index, uint64_t block_time_ns,
                           std::vector<Event>* events, uint64_t* object_id) {
  const Command& command = group.back();
  if (money_ == nullptr) {
    const uint32_t dkzt = ledger_.find_asset("DKZT");
    if (dkzt == 0 || ledger_.asset(dkzt)->scale != 2) return Result::asset_not_found;
    money_ = std::make_unique<MoneyBook>(dkzt);
    money_->begin_block(&ledger_, block_time_ns, nullptr);  // its clock; nothing is due in an empty book
  }
  const Actor actor{.id = command.actor, .role = static_cast<Role>(command.role)};
  const size_t events_before = events->size();
  switch (command.command_kind()) {
    case CommandKind::define_wallet_class: {
      const DefineWalletClassPayload& p = command.define_wallet_class;
      const WalletClass wallet_class{.kyc_level = p.kyc_level,
                                     .balance_cap_minor = p.balance_cap_minor,
                                     .per_payment_limit_minor = p.per_payment_limit_minor,
                                     .daily_limit_minor = p.daily_limit_minor,
                                     .annual_limit_minor = p.annual_limit_minor};
      uint32_t class_id = 0;
      const Result r = money_->define_wallet_class(actor, wallet_class, &class_id);
      if (r != Result::ok) return r;
      Event& event = events->emplace_back(make_event(EventKind::wallet_class_defined, index));
      event.wallet_class_defined.wallet_class = class_id;
      event.wallet_class_defined.kyc_level = p.kyc_level;
      event.wallet_class_defined.balance_cap_minor = p.balance_cap_minor;
      event.wallet_class_defined.per_payment_limit_minor = p.per_payment_limit_minor;
      event.wallet_class_defined.daily_limit_minor = p.daily_limit_minor;
      event.wallet_class_defined.annual_limit_minor = p.annual_limit_minor;
      *object_id = class_id;
      return Result::ok;
    }
    case CommandKind::open_wallet: {
      const OpenWalletPayload& p = command.open_wallet;
      WalletSpec spec{.owner = p.owner,
                      .account = p.account,
                      .wallet_class = p.wallet_class,
                      .kind = static_cast<WalletKind>(p.kind),
                      .mcc = p.mcc,
                      .region = p.region,
                      .linked_account = p.linked_account,
                      .waterfall = (p.flags & kWalletWaterfall) != 0,
                      .reverse_waterfall = (p.flags & kWalletReverseWaterfall) != 0};
      ledger_.begin_group();
      Result r = Result::ok;
      if (spec.account == 0) {
        const AccountKind kind =
            spec.kind == WalletKind::central_bank ? AccountKind::issuance : AccountKind::customer;
        r = open_money_account(spec.owner, kind, index, events, &spec.account);
      }
      uint64_t wallet_id = 0;
      if (r == Result::ok) r = money_->open_wallet(actor, ledger_, spec, &wallet_id);
      ledger_.end_group(r == Result::ok);
      if (r != Result::ok) {
        events->resize(events_before);
        return r;
      }
      if (p.account == 0) exchange_.on_account_opened(spec.account);
      Event& event = events->emplace_back(make_event(EventKind::wallet_opened, index));
      event.wallet_opened = WalletOpenedPayload{.wallet = wallet_id, .owner = p.owner, .account = spec.account,
                                                .linked_account = p.linked_account, .wallet_class = p.wallet_class,
                                                .kind = p.kind, .flags = p.flags, .mcc = p.mcc, .region = p.region,
                                                .zero = {}};
      *object_id = wallet_id;
      return Result::ok;
    }
    case CommandKind::publish_program: {
      ProgramSpec spec = program_spec_of(group);
      ledger_.begin_group();
      Result r = Result::ok;
      if (spec.escrow_account == 0) {
        const Wallet* issuer = money_->wallet(spec.issuer_wallet);
        r = open_money_account(issuer == nullptr ? 0 : issuer->spec.owner, AccountKind::escrow, index, events,
                               &spec.escrow_account);
      }
      const uint64_t escrow = spec.escrow_account;
      uint32_t program_id = 0;
      if (r == Result::ok) r = money_->publish_program(actor, ledger_, std::move(spec), &program_id);
      ledger_.end_group(r == Result::ok);
      if (r != Result::ok) {
        events->resize(events_before);
        return r;
      }
      const Program* program = money_->program(program_id);
      Event& event = events->emplace_back(make_event(EventKind::program_published, index));
      event.program_published.program = program_id;
      event.program_published.version = program->version;
      event.program_published.issuer_wallet = program->spec.issuer_wallet;
      event.program_published.escrow_account = escrow;
      std::memcpy(event.program_published.code, program->spec.code.data(), program->spec.code.size());
      *object_id = program_id;
      return Result::ok;
    }
    case CommandKind::issue_cbdc:
    case CommandKind::redeem_cbdc: {
      const CbdcAmountPayload& p = command.cbdc_amount;
      const bool issue = command.command_kind() == CommandKind::issue_cbdc;
      const Result decided =
          issue ? money_->decide_issue(actor, ledger_, p.bank_wallet, p.amount_minor, &money_plan_, nullptr)
                : money_->decide_redeem(actor, ledger_, p.bank_wallet, p.amount_minor, &money_plan_, nullptr);
      return run_plan(decided, index, events);
    }
    case CommandKind::grant: {
      const GrantPayload& p = command.grant;
      GrantRequest request{.program = p.program, .holder = p.holder, .amount_minor = p.amount_minor, .tranches = {}};
      for (const Command& part : group.first(group.size() - 1)) {
        const GrantTranchesPayload& t = part.grant_tranches;
        request.tranches.insert(request.tranches.end(), t.amounts_minor, t.amounts_minor + t.count);
      }
      const Result decided = money_->decide_grant(actor, ledger_, request, &money_plan_, nullptr);
      if (decided == Result::ok) *object_id = money_plan_.opened.empty() ? 0 : money_plan_.opened.front().id;
      return run_plan(decided, index, events);
    }
    case CommandKind::pay: return apply_pay(command, index, block_time_ns, events);
    case CommandKind::attest_release:
      return run_plan(money_->decide_attest(actor, command.release.release, &money_plan_, nullptr), index, events);
    case CommandKind::dispute_release:
      return run_plan(money_->decide_dispute(actor, command.release.release, &money_plan_, nullptr), index, events);
    case CommandKind::cancel_release:
      return run_plan(money_->decide_cancel_release(actor, command.release.release, &money_plan_, nullptr), index,
                      events);
    case CommandKind::set_program_status: {
      const SetProgramStatusPayload& p = command.set_program_status;
      return run_plan(money_->decide_program_status(actor, p.program, static_cast<ProgramStatus>(p.status),
                                                    &money_plan_, nullptr),
                      index, events);
    }
    case CommandKind::set_exchange_link: {
      const SetExchangeLinkPayload& p = command.set_exchange_link;
      const Wallet* venue = money_->wallet(p.venue_wallet);
      const Account* tenge = ledger_.account(p.tenge_account);
      const Asset* kzt = tenge == nullptr ? nullptr : ledger_.asset(tenge->asset);
      if (venue == nullptr || venue->spec.kind != WalletKind::merchant || venue->spec.mcc != kMccQuasiCash ||
          kzt == nullptr || kzt->code_view() != "KZT" || kzt->scale != 2 ||
          (tenge->kind != AccountKind::custody && tenge->kind != AccountKind::issuance)) {
        return Result::money_exchange_link_invalid;
      }
      exchange_venue_wallet_ = p.venue_wallet;
      exchange_tenge_account_ = p.tenge_account;
      Event& event = events->emplace_back(make_event(EventKind::exchange_link_set, index));
      event.exchange_link_set.venue_wallet = p.venue_wallet;
      event.exchange_link_set.tenge_account = p.tenge_account;
      return Result::ok;
    }
    default: break;
  }
  QZ_ASSERT_MSG(false, "apply_money given a command it does not handle");
  return Result::unknown_command_kind;
}

// A wallet payment; with an exchange account, the exchange link: to the venue's wallet, the customer's tenge
// balance at the exchange goes up by the amount in the same ledger group; from it (the actor being the
// customer), down. The tenge leg counts against the client's deposit and withdrawal limits like any other.
Result Engine::apply_pay(const Command& command, uint32_t index, uint64_t block_time_ns, std::vector<Event>* events) {
  const PayPayload& p = command.pay;
  Actor actor{.id = command.actor, .role = static_cast<Role>(command.role)};
  const PaymentRequest request{.payer = p.payer, .payee = p.payee, .amount_minor = p.amount_minor};
  // A bank's wallet pays as a bank: distribution is the second tier's business.
  const Wallet* payer = money_->wallet(p.payer);
  if (payer != nullptr && payer->spec.kind == WalletKind::bank && actor.role != Role::bank &&
      actor.role != Role::operator_) {
    return Result::actor_not_permitted;
  }
  if (p.exchange_account == 0) {
    return run_plan(money_->decide_payment(actor, ledger_, request, &money_plan_, nullptr), index, events);
  }
  const bool to_exchange = p.payee == exchange_venue_wallet_;
  const bool from_exchange = p.payer == exchange_venue_wallet_;
  const Account* tenge = ledger_.account(p.exchange_account);
  const Account* venue_tenge = ledger_.account(exchange_tenge_account_);
  const Wallet* customer = money_->wallet(to_exchange ? p.payer : p.payee);
  if (exchange_venue_wallet_ == 0 || to_exchange == from_exchange || tenge == nullptr || venue_tenge == nullptr ||
      tenge->kind != AccountKind::customer || tenge->asset != venue_tenge->asset || customer == nullptr ||
      customer->spec.owner != tenge->owner ||
      (actor.role != Role::operator_ && actor.id != tenge->owner)) {
    return Result::money_exchange_account_invalid;
  }
  // The way back leaves the venue's wallet on the customer's request: the venue pays.
  if (from_exchange) actor = kVenue;
  const uint64_t debit = to_exchange ? exchange_tenge_account_ : p.exchange_account;
  const uint64_t credit = to_exchange ? p.exchange_account : exchange_tenge_account_;
  Movement movement;
  bool counted = false;
  const Result decided = money_->decide_payment(actor, ledger_, request, &money_plan_, nullptr);
  if (decided != Result::ok) return decided;
  if (const Result r = check_movement(debit, credit, p.amount_minor, block_time_ns, &movement, &counted);
      r != Result::ok) {
    return r;
  }
  money_plan_.postings.push_back(MoneyPosting{.debit = debit, .credit = credit, .amount_minor = p.amount_minor,
                                              .role = PostingRole::exchange, .program = 0});
  const Result r = run_plan(Result::ok, index, events);
  if (r == Result::ok && counted) {
    limits_.add_movement(movement.client, movement.kind, movement.value_tiyn, period_of(block_time_ns));
  }
  return r;
}

}  // namespace qz
