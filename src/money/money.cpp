#include "money/money.h"

#include <algorithm>
#include <limits>

#include "base/assert.h"
#include "base/bytes.h"
#include "base/checked.h"

namespace qz {

namespace {

constexpr uint64_t kNsPerDay = 86'400'000'000'000ULL;
constexpr uint64_t kProgramTag = 1ULL << 63;  // accounts_in_use_: an escrow account (program id | tag)
// The book's postings run on the ledger with the operator's authority: the book has already decided.
constexpr Actor kBookActor{.id = 0, .role = Role::operator_};

// The spending order's key: earliest expiry first (0 = never, last), then program id.
std::pair<uint64_t, uint32_t> spending_key(uint64_t expires_at_ns, uint32_t program) {
  return {expires_at_ns == 0 ? std::numeric_limits<uint64_t>::max() : expires_at_ns, program};
}
std::pair<uint64_t, uint32_t> spending_key(const Lot& lot) { return spending_key(lot.expires_at_ns, lot.program); }

bool owns(Actor actor, const Wallet& wallet) {
  return actor.role == Role::operator_ || (actor.id != 0 && actor.id == wallet.spec.owner);
}

int64_t available(const Ledger& ledger, uint64_t account_id) {
  const Account* account = ledger.account(account_id);
  QZ_ASSERT(account != nullptr);
  return std::max<int64_t>(0, account->available_minor());
}

// The sum of non-negative terms, saturated at INT64_MAX (usage counters only compare against limits).
int64_t add_saturated(int64_t a, int64_t b) {
  QZ_ASSERT(a >= 0 && b >= 0);
  int64_t sum = 0;
  return checked_add(a, b, &sum) ? sum : std::numeric_limits<int64_t>::max();
}

void add_checked(int64_t* total, int64_t delta) {
  int64_t sum = 0;
  QZ_ASSERT_MSG(checked_add(*total, delta, &sum), "money: a counter left the int64 range");
  *total = sum;
}

bool wallet_class_valid(const WalletClass& c) {
  if (c.kyc_level > kMaxKycLevel) return false;
  if (c.balance_cap_minor < 0 || c.per_payment_limit_minor < 0 || c.daily_limit_minor < 0 ||
      c.annual_limit_minor < 0) {
    return false;
  }
  if (c.per_payment_limit_minor != 0 && c.daily_limit_minor != 0 && c.per_payment_limit_minor > c.daily_limit_minor) {
    return false;
  }
  return !(c.daily_limit_minor != 0 && c.annual_limit_minor != 0 && c.daily_limit_minor > c.annual_limit_minor);
}

}  // namespace

uint64_t civil_year_of_day(uint64_t day) {
  // Count from 0000-03-01 so the leap day ends each year; 400-year eras of 146,097 days; then the year of the
  // era and the (March-based) month, which moves January and February into the next civil year.
  const uint64_t from_march_0000 = day + 719'468;
  const uint64_t era = from_march_0000 / 146'097;
  const uint64_t day_of_era = from_march_0000 - era * 146'097;
  const uint64_t year_of_era = (day_of_era - day_of_era / 1'460 + day_of_era / 36'524 - day_of_era / 146'096) / 365;
  const uint64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const uint64_t march_month = (5 * day_of_year + 2) / 153;  // 0 = March
  return year_of_era + era * 400 + (march_month >= 10 ? 1 : 0);
}

const char* plan_kind_name(PlanKind kind) {
  switch (kind) {
    case PlanKind::issue: return "issue";
    case PlanKind::redeem: return "redeem";
    case PlanKind::grant: return "grant";
    case PlanKind::payment: return "payment";
    case PlanKind::release: return "release";
    case PlanKind::dispute: return "dispute";
    case PlanKind::cancel_release: return "cancel_release";
    case PlanKind::program_status: return "program_status";
    case PlanKind::expiry: return "expiry";
  }
  return "unknown";
}

const char* posting_role_name(PostingRole role) {
  switch (role) {
    case PostingRole::issue: return "issue";
    case PostingRole::redeem: return "redeem";
    case PostingRole::fund: return "fund";
    case PostingRole::pay: return "pay";
    case PostingRole::unwrap: return "unwrap";
    case PostingRole::reverse_waterfall: return "reverse_waterfall";
    case PostingRole::waterfall: return "waterfall";
    case PostingRole::return_to_issuer: return "return_to_issuer";
    case PostingRole::release_to_holder: return "release_to_holder";
    case PostingRole::exchange: return "exchange";
  }
  return "unknown";
}

const char* lot_change_kind_name(LotChangeKind kind) {
  switch (kind) {
    case LotChangeKind::granted: return "granted";
    case LotChangeKind::released: return "released";
    case LotChangeKind::spent: return "spent";
    case LotChangeKind::sent: return "sent";
    case LotChangeKind::received: return "received";
    case LotChangeKind::returned: return "returned";
    case LotChangeKind::released_at_expiry: return "released_at_expiry";
  }
  return "unknown";
}

void Plan::clear() {
  kind = PlanKind::payment;
  payer = 0;
  payee = 0;
  program = 0;
  release = 0;
  status = ProgramStatus::active;
  amount_minor = 0;
  postings.clear();
  lot_changes.clear();
  opened.clear();
  closed.clear();
}

MoneyBook::MoneyBook(uint32_t asset) : asset_(asset) { QZ_ASSERT(asset != 0); }

// --- Reads -------------------------------------------------------------------------------------------------------

const WalletClass* MoneyBook::wallet_class(uint32_t class_id) const {
  return class_id == 0 || class_id > classes_.size() ? nullptr : &classes_[class_id - 1];
}

const Wallet* MoneyBook::wallet(uint64_t wallet_id) const {
  return wallet_id == 0 || wallet_id > wallets_.size() ? nullptr : &wallets_[wallet_id - 1];
}

const Program* MoneyBook::program(uint32_t program_id) const {
  return program_id == 0 || program_id > programs_.size() ? nullptr : &programs_[program_id - 1];
}

uint32_t MoneyBook::find_program(std::string_view code) const {
  const auto found = latest_by_code_.find(code);
  return found == latest_by_code_.end() ? 0 : found->second;
}

const PendingRelease* MoneyBook::release(uint64_t release_id) const {
  const auto found = releases_.find(release_id);
  return found == releases_.end() ? nullptr : &found->second;
}

const Lot* MoneyBook::lot(uint64_t holder, uint32_t program_id) const {
  const Wallet* w = wallet(holder);
  if (w == nullptr) return nullptr;
  for (const Lot& l : w->lots) {
    if (l.program == program_id) return &l;
  }
  return nullptr;
}

Wallet& MoneyBook::mutable_wallet(uint64_t wallet_id) {
  QZ_ASSERT(wallet_id != 0 && wallet_id <= wallets_.size());
  return wallets_[wallet_id - 1];
}

Program& MoneyBook::mutable_program(uint32_t program_id) {
  QZ_ASSERT(program_id != 0 && program_id <= programs_.size());
  return programs_[program_id - 1];
}

Result MoneyBook::refuse(Refusal* refusal, Result code, uint32_t program_id, uint64_t wallet_id,
                         int64_t value) const {
  QZ_ASSERT(code != Result::ok);
  if (refusal != nullptr) *refusal = Refusal{.code = code, .program = program_id, .wallet = wallet_id, .value = value};
  return code;
}

uint64_t MoneyBook::funding_account(const Program& p) const {
  const Wallet* issuer = wallet(p.spec.issuer_wallet);
  QZ_ASSERT(issuer != nullptr);
  return issuer->spec.account;
}

Lot* MoneyBook::find_lot(Wallet& w, uint32_t program_id) {
  for (Lot& l : w.lots) {
    if (l.program == program_id) return &l;
  }
  return nullptr;
}

Lot& MoneyBook::lot_for(Wallet& w, const Program& p) {
  if (Lot* found = find_lot(w, p.id); found != nullptr) return *found;
  QZ_ASSERT_LT(w.lots.size(), kWalletLotsMax);
  Lot fresh;
  fresh.program = p.id;
  fresh.expires_at_ns = p.spec.expires_at_ns;
  const auto at = std::lower_bound(w.lots.begin(), w.lots.end(), spending_key(fresh),
                                   [](const Lot& l, const std::pair<uint64_t, uint32_t>& key) {
                                     return spending_key(l) < key;
                                   });
  const auto inserted = w.lots.insert(at, std::move(fresh));
  mutable_program(p.id).holders.insert(w.id);
  return *inserted;
}

// --- Configuration -----------------------------------------------------------------------------------------------

Result MoneyBook::define_wallet_class(Actor actor, const WalletClass& wallet_class, uint32_t* class_id) {
  QZ_ASSERT(class_id != nullptr);
  if (actor.role != Role::central_bank && actor.role != Role::operator_) return Result::actor_not_permitted;
  if (!wallet_class_valid(wallet_class)) return Result::money_wallet_class_invalid;
  classes_.push_back(wallet_class);
  *class_id = static_cast<uint32_t>(classes_.size());
  QZ_ASSERT(*class_id != 0);
  return Result::ok;
}

Result MoneyBook::open_wallet(Actor actor, const Ledger& ledger, const WalletSpec& spec, uint64_t* wallet_id) {
  QZ_ASSERT(wallet_id != nullptr);
  const auto kind_number = static_cast<uint8_t>(spec.kind);
  const bool top_tier = spec.kind == WalletKind::bank || spec.kind == WalletKind::central_bank;
  if (actor.role != Role::operator_ && actor.role != Role::central_bank &&
      (top_tier || actor.role != Role::bank)) {
    return Result::actor_not_permitted;
  }
  if (kind_number == 0 || kind_number > kMaxWalletKind) return Result::money_wallet_invalid;
  if (wallet_kind_has_category(spec.kind) ? (spec.mcc == 0 || spec.mcc > kMccMax)
                                          : (spec.mcc != 0 || spec.region != 0)) {
    return Result::money_wallet_invalid;
  }
  if (spec.wallet_class != 0 && wallet_class(spec.wallet_class) == nullptr) return Result::money_wallet_class_not_found;
  if (spec.kind == WalletKind::central_bank && central_bank_wallet_ != 0) return Result::money_central_bank_exists;
  const Account* account = ledger.account(spec.account);
  const bool kind_fits = account != nullptr && (spec.kind == WalletKind::central_bank
                                                    ? account->kind == AccountKind::issuance
                                                    : account->kind == AccountKind::customer ||
                                                          account->kind == AccountKind::custody);
  if (!kind_fits || account->asset != asset_ || account->owner != spec.owner) return Result::money_account_invalid;
  if (accounts_in_use_.contains(spec.account)) return Result::money_account_in_use;
  if (spec.linked_account != 0) {
    const Account* link = ledger.account(spec.linked_account);
    if (spec.linked_account == spec.account || link == nullptr || link->asset != asset_ ||
        link->kind == AccountKind::issuance || link->kind == AccountKind::escrow) {
      return Result::money_link_invalid;
    }
  } else if (spec.waterfall || spec.reverse_waterfall) {
    return Result::money_link_invalid;
  }

  Wallet w;
  w.id = wallets_.size() + 1;
  w.spec = spec;
  wallets_.push_back(std::move(w));
  QZ_ASSERT(accounts_in_use_.insert(spec.account, wallets_.size()));
  if (spec.kind == WalletKind::central_bank) central_bank_wallet_ = wallets_.size();
  *wallet_id = wallets_.size();
  return Result::ok;
}

Result MoneyBook::publish_program(Actor actor, const Ledger& ledger, ProgramSpec spec, uint32_t* program_id) {
  QZ_ASSERT(program_id != nullptr);
  if (const Result valid = normalize_program_spec(&spec); valid != Result::ok) return valid;
  // A program that would be expired at once: its lots could not be spent and expiry runs only at block start.
  if (spec.expires_at_ns != 0 && spec.expires_at_ns <= now_ns_) return Result::money_program_invalid;
  const Wallet* issuer = wallet(spec.issuer_wallet);
  if (issuer == nullptr) return Result::money_wallet_not_found;
  if (issuer->spec.kind != WalletKind::central_bank && issuer->spec.kind != WalletKind::agency) {
    return Result::money_wallet_kind_invalid;
  }
  if (!owns(actor, *issuer)) return Result::actor_not_permitted;
  const uint32_t previous = find_program(spec.code);
  if (previous != 0 && programs_[previous - 1].spec.issuer_wallet != spec.issuer_wallet) {
    return Result::money_program_issuer_mismatch;
  }
  const Account* escrow = ledger.account(spec.escrow_account);
  if (escrow == nullptr || escrow->asset != asset_ || escrow->kind != AccountKind::escrow || escrow->total_minor != 0) {
    return Result::money_account_invalid;
  }
  if (accounts_in_use_.contains(spec.escrow_account)) return Result::money_account_in_use;

  Program p;
  p.id = static_cast<uint32_t>(programs_.size() + 1);
  p.version = previous == 0 ? 1 : programs_[previous - 1].version + 1;
  p.spec = std::move(spec);
  QZ_ASSERT(accounts_in_use_.insert(p.spec.escrow_account, kProgramTag | p.id));
  if (p.spec.expires_at_ns != 0) expiry_queue_.insert({p.spec.expires_at_ns, p.id});
  latest_by_code_[p.spec.code] = p.id;
  programs_.push_back(std::move(p));
  *program_id = static_cast<uint32_t>(programs_.size());
  return Result::ok;
}

// --- Decisions ---------------------------------------------------------------------------------------------------

Result MoneyBook::decide_issue(Actor actor, const Ledger& ledger, uint64_t bank_wallet, int64_t amount_minor,
                               Plan* plan, Refusal* refusal) const {
  QZ_ASSERT(plan != nullptr);
  plan->clear();
  if (actor.role != Role::central_bank) return refuse(refusal, Result::actor_not_permitted, 0, 0, 0);
  if (amount_minor <= 0) return refuse(refusal, Result::amount_must_be_positive, 0, 0, amount_minor);
  const Wallet* bank = wallet(bank_wallet);
  if (bank == nullptr) return refuse(refusal, Result::money_wallet_not_found, 0, bank_wallet, 0);
  if (bank->spec.kind != WalletKind::bank) return refuse(refusal, Result::money_wallet_kind_invalid, 0, bank_wallet, 0);
  if (central_bank_wallet_ == 0) return refuse(refusal, Result::money_wallet_not_found, 0, 0, 0);
  plan->kind = PlanKind::issue;
  plan->payee = bank_wallet;
  plan->amount_minor = amount_minor;
  plan->postings.push_back(MoneyPosting{.debit = wallets_[central_bank_wallet_ - 1].spec.account,
                                        .credit = bank->spec.account,
                                        .amount_minor = amount_minor,
                                        .role = PostingRole::issue});
  (void)ledger;
  return Result::ok;
}

Result MoneyBook::decide_redeem(Actor actor, const Ledger& ledger, uint64_t bank_wallet, int64_t amount_minor,
                                Plan* plan, Refusal* refusal) const {
  QZ_ASSERT(plan != nullptr);
  plan->clear();
  if (actor.role != Role::central_bank) return refuse(refusal, Result::actor_not_permitted, 0, 0, 0);
  if (amount_minor <= 0) return refuse(refusal, Result::amount_must_be_positive, 0, 0, amount_minor);
  const Wallet* bank = wallet(bank_wallet);
  if (bank == nullptr) return refuse(refusal, Result::money_wallet_not_found, 0, bank_wallet, 0);
  if (bank->spec.kind != WalletKind::bank) return refuse(refusal, Result::money_wallet_kind_invalid, 0, bank_wallet, 0);
  if (central_bank_wallet_ == 0) return refuse(refusal, Result::money_wallet_not_found, 0, 0, 0);
  const int64_t held = available(ledger, bank->spec.account);
  if (held < amount_minor) return refuse(refusal, Result::money_insufficient_funds, 0, bank_wallet, held);
  plan->kind = PlanKind::redeem;
  plan->payer = bank_wallet;
  plan->amount_minor = amount_minor;
  plan->postings.push_back(MoneyPosting{.debit = bank->spec.account,
                                        .credit = wallets_[central_bank_wallet_ - 1].spec.account,
                                        .amount_minor = amount_minor,
                                        .role = PostingRole::redeem});
  return Result::ok;
}

Result MoneyBook::decide_grant(Actor actor, const Ledger& ledger, const GrantRequest& request, Plan* plan,
                               Refusal* refusal) const {
  QZ_ASSERT(plan != nullptr);
  plan->clear();
  if (request.amount_minor <= 0) return refuse(refusal, Result::amount_must_be_positive, 0, 0, request.amount_minor);
  const Program* p = program(request.program);
  if (p == nullptr) return refuse(refusal, Result::money_program_not_found, request.program, 0, 0);
  const Wallet& issuer = *wallet(p->spec.issuer_wallet);
  if (!owns(actor, issuer)) return refuse(refusal, Result::actor_not_permitted, p->id, issuer.id, 0);
  if (p->status == ProgramStatus::revoked) return refuse(refusal, Result::program_revoked, p->id, 0, 0);
  if (p->status == ProgramStatus::expired || (p->spec.expires_at_ns != 0 && now_ns_ >= p->spec.expires_at_ns)) {
    return refuse(refusal, Result::program_expired, p->id, 0, 0);
  }
  if (p->status == ProgramStatus::paused) return refuse(refusal, Result::program_paused, p->id, 0, 0);
  const Wallet* holder = wallet(request.holder);
  if (holder == nullptr) return refuse(refusal, Result::money_wallet_not_found, p->id, request.holder, 0);
  if (holder->spec.kind == WalletKind::bank || holder->spec.kind == WalletKind::central_bank ||
      !program_class_eligible(p->spec, holder->spec.wallet_class)) {
    return refuse(refusal, Result::program_class_not_eligible, p->id, holder->id, holder->spec.wallet_class);
  }
  if (lot(holder->id, p->id) == nullptr && holder->lots.size() >= kWalletLotsMax) {
    return refuse(refusal, Result::money_lot_limit, p->id, holder->id, static_cast<int64_t>(kWalletLotsMax));
  }
  const bool milestone = p->spec.release_rule == ReleaseRule::milestone;
  if (milestone) {
    if (request.tranches.empty() || request.tranches.size() > kTranchesMax) {
      return refuse(refusal, Result::money_tranches_invalid, p->id, 0, 0);
    }
    int128 sum = 0;
    for (const int64_t tranche : request.tranches) {
      if (tranche <= 0) return refuse(refusal, Result::money_tranches_invalid, p->id, 0, tranche);
      sum += tranche;
    }
    if (sum != request.amount_minor) return refuse(refusal, Result::money_tranches_invalid, p->id, 0, 0);
  } else if (!request.tranches.empty()) {
    return refuse(refusal, Result::money_tranches_invalid, p->id, 0, 0);
  }
  if (issuer.spec.kind != WalletKind::central_bank) {
    const int64_t held = available(ledger, issuer.spec.account);
    if (held < request.amount_minor) return refuse(refusal, Result::money_insufficient_funds, p->id, issuer.id, held);
  }

  plan->kind = PlanKind::grant;
  plan->payer = issuer.id;
  plan->payee = holder->id;
  plan->program = p->id;
  plan->amount_minor = request.amount_minor;
  plan->postings.push_back(MoneyPosting{.debit = issuer.spec.account,
                                        .credit = p->spec.escrow_account,
                                        .amount_minor = request.amount_minor,
                                        .role = PostingRole::fund,
                                        .program = p->id});
  switch (p->spec.release_rule) {
    case ReleaseRule::immediate:
      plan->lot_changes.push_back(LotChange{.holder = holder->id, .program = p->id, .delta_minor = request.amount_minor,
                                            .kind = LotChangeKind::granted, .counterparty = issuer.id});
      break;
    case ReleaseRule::milestone:
      for (size_t i = 0; i < request.tranches.size(); i++) {
        plan->opened.push_back(PendingRelease{.id = next_release_id_ + i, .grant = next_release_id_,
                                              .program = p->id, .holder = holder->id,
                                              .amount_minor = request.tranches[i],
                                              .tranche = static_cast<uint8_t>(i)});
      }
      break;
    case ReleaseRule::delayed: {
      uint64_t release_at_ns = 0;
      if (!checked_add(now_ns_, p->spec.release_delay_ns, &release_at_ns)) {
        release_at_ns = std::numeric_limits<uint64_t>::max();
      }
      plan->opened.push_back(PendingRelease{.id = next_release_id_, .grant = next_release_id_, .program = p->id,
                                            .holder = holder->id, .amount_minor = request.amount_minor,
                                            .release_at_ns = release_at_ns});
      break;
    }
  }
  return Result::ok;
}

Result MoneyBook::decide_payment(Actor actor, const Ledger& ledger, const PaymentRequest& request, Plan* plan,
                                 Refusal* refusal) const {
  QZ_ASSERT(plan != nullptr);
  plan->clear();
  const int64_t amount = request.amount_minor;
  if (amount <= 0) return refuse(refusal, Result::amount_must_be_positive, 0, 0, amount);
  const Wallet* payer = wallet(request.payer);
  if (payer == nullptr) return refuse(refusal, Result::money_wallet_not_found, 0, request.payer, 0);
  const Wallet* payee = wallet(request.payee);
  if (payee == nullptr) return refuse(refusal, Result::money_wallet_not_found, 0, request.payee, 0);
  if (payer == payee) return refuse(refusal, Result::accounts_must_differ, 0, payer->id, 0);
  if (payer->spec.kind == WalletKind::central_bank || payee->spec.kind == WalletKind::central_bank) {
    return refuse(refusal, Result::money_wallet_kind_invalid, 0,
                  payer->spec.kind == WalletKind::central_bank ? payer->id : payee->id, 0);
  }
  if (!owns(actor, *payer)) return refuse(refusal, Result::money_not_wallet_owner, 0, payer->id, 0);

  // The payer's class: per payment, per day, per year (the whole payment, whatever it spends).
  if (const WalletClass* limits = wallet_class(payer->spec.wallet_class); limits != nullptr) {
    if (limits->per_payment_limit_minor != 0 && amount > limits->per_payment_limit_minor) {
      return refuse(refusal, Result::money_payment_limit, 0, payer->id, limits->per_payment_limit_minor);
    }
    const uint64_t day = now_ns_ / kNsPerDay;
    const int64_t today = payer->usage_day == day ? payer->day_spent_minor : 0;
    if (limits->daily_limit_minor != 0 && static_cast<int128>(today) + amount > limits->daily_limit_minor) {
      return refuse(refusal, Result::money_daily_limit, 0, payer->id, limits->daily_limit_minor);
    }
    const uint64_t year = civil_year_of_day(day);
    const int64_t this_year = payer->usage_year == year ? payer->year_spent_minor : 0;
    if (limits->annual_limit_minor != 0 && static_cast<int128>(this_year) + amount > limits->annual_limit_minor) {
      return refuse(refusal, Result::money_annual_limit, 0, payer->id, limits->annual_limit_minor);
    }
  }

  // The spending order: the payer's lots in (expiry, program id) order, each as far as its program lets it
  // reach this payee; then the free balance; then the reverse waterfall.
  const Recipient to{.wallet = payee->id, .kind = payee->spec.kind, .wallet_class = payee->spec.wallet_class,
                     .mcc = payee->spec.mcc, .region = payee->spec.region};
  Refusal blocked;
  int64_t remaining = amount;
  int64_t unwrapped = 0;
  size_t new_payee_lots = 0;
  for (const Lot& from : payer->lots) {
    if (remaining == 0) break;
    if (from.balance_minor == 0) continue;
    const Program& p = programs_[from.program - 1];
    int64_t value = 0;
    Result condition = check_recipient(p.spec, p.status, now_ns_, to, &value);
    const bool terminal = program_terminal(p.spec, payee->spec.kind);
    const bool payee_has_lot = !terminal && lot(payee->id, p.id) != nullptr;
    if (condition == Result::ok && !terminal && !payee_has_lot &&
        payee->lots.size() + new_payee_lots >= kWalletLotsMax) {
      condition = Result::program_recipient_not_eligible;
      value = static_cast<int64_t>(payee->id);
    }
    if (condition != Result::ok) {
      if (blocked.code == Result::ok) blocked = Refusal{.code = condition, .program = p.id, .wallet = payer->id, .value = value};
      continue;
    }
    int64_t take = std::min(from.balance_minor, remaining);
    Result limited = Result::ok;
    int64_t limit_value = 0;
    if (p.spec.per_payment_limit_minor != 0 && take > p.spec.per_payment_limit_minor) {
      take = p.spec.per_payment_limit_minor;
      limited = Result::program_payment_limit;
      limit_value = p.spec.per_payment_limit_minor;
    }
    if (p.spec.period_limit_minor != 0) {
      const uint64_t period = now_ns_ / p.spec.period_ns;
      const int64_t used = from.period == period ? from.period_spent_minor : 0;
      const int64_t headroom = std::max<int64_t>(0, p.spec.period_limit_minor - used);
      if (take > headroom) {
        take = headroom;
        limited = Result::program_period_limit;
        limit_value = p.spec.period_limit_minor;
      }
    }
    if (p.spec.category_share_cap_bps != 0 && wallet_kind_has_category(payee->spec.kind)) {
      const int128 allowed = static_cast<int128>(from.received_minor) * p.spec.category_share_cap_bps / 10'000;
      int64_t spent = 0;
      for (const CategorySpend& c : from.categories) {
        if (c.mcc == payee->spec.mcc) spent = c.spent_minor;
      }
      const int128 headroom = allowed > spent ? allowed - spent : 0;
      if (take > headroom) {
        take = static_cast<int64_t>(headroom);
        limited = Result::program_category_share_cap;
        limit_value = payee->spec.mcc;
      }
    }
    if (limited != Result::ok && blocked.code == Result::ok) {
      blocked = Refusal{.code = limited, .program = p.id, .wallet = payer->id, .value = limit_value};
    }
    if (take <= 0) continue;
    remaining -= take;
    if (terminal) {
      unwrapped += take;
      plan->lot_changes.push_back(LotChange{.holder = payer->id, .program = p.id, .delta_minor = -take,
                                            .kind = LotChangeKind::spent, .counterparty = payee->id});
    } else {
      if (!payee_has_lot) new_payee_lots++;
      plan->lot_changes.push_back(LotChange{.holder = payer->id, .program = p.id, .delta_minor = -take,
                                            .kind = LotChangeKind::sent, .counterparty = payee->id});
      plan->lot_changes.push_back(LotChange{.holder = payee->id, .program = p.id, .delta_minor = take,
                                            .kind = LotChangeKind::received, .counterparty = payer->id});
    }
  }
  const int64_t free = std::min(available(ledger, payer->spec.account), remaining);
  remaining -= free;
  int64_t pulled = 0;
  if (remaining > 0 && payer->spec.reverse_waterfall) {
    pulled = std::min(available(ledger, payer->spec.linked_account), remaining);
    remaining -= pulled;
  }
  if (remaining > 0) {
    if (blocked.code != Result::ok) return refuse(refusal, blocked.code, blocked.program, blocked.wallet, blocked.value);
    return refuse(refusal, Result::money_insufficient_funds, 0, payer->id, amount - remaining);
  }
  QZ_ASSERT_EQ(remaining, 0);

  // The payee's cap on its free balance: the excess is swept to its linked account, or the payment refused.
  const int64_t incoming = free + pulled + unwrapped;
  int64_t swept = 0;
  if (const WalletClass* limits = wallet_class(payee->spec.wallet_class);
      limits != nullptr && limits->balance_cap_minor != 0 && incoming > 0) {
    const int128 after = static_cast<int128>(ledger.account(payee->spec.account)->total_minor) + incoming;
    if (after > limits->balance_cap_minor) {
      if (!payee->spec.waterfall) {
        return refuse(refusal, Result::money_balance_cap, 0, payee->id, limits->balance_cap_minor);
      }
      // Everything above the cap, as far as the payee's available balance after the payment reaches.
      const int128 reachable = static_cast<int128>(available(ledger, payee->spec.account)) + incoming;
      swept = static_cast<int64_t>(std::min<int128>(after - limits->balance_cap_minor, reachable));
    }
  }

  plan->kind = PlanKind::payment;
  plan->payer = payer->id;
  plan->payee = payee->id;
  plan->amount_minor = amount;
  if (pulled > 0) {
    plan->postings.push_back(MoneyPosting{.debit = payer->spec.linked_account, .credit = payer->spec.account,
                                          .amount_minor = pulled, .role = PostingRole::reverse_waterfall});
  }
  if (free + pulled > 0) {
    plan->postings.push_back(MoneyPosting{.debit = payer->spec.account, .credit = payee->spec.account,
                                          .amount_minor = free + pulled, .role = PostingRole::pay});
  }
  for (const LotChange& change : plan->lot_changes) {
    if (change.kind != LotChangeKind::spent) continue;
    plan->postings.push_back(MoneyPosting{.debit = programs_[change.program - 1].spec.escrow_account,
                                          .credit = payee->spec.account, .amount_minor = -change.delta_minor,
                                          .role = PostingRole::unwrap, .program = change.program});
  }
  if (swept > 0) {
    plan->postings.push_back(MoneyPosting{.debit = payee->spec.account, .credit = payee->spec.linked_account,
                                          .amount_minor = swept, .role = PostingRole::waterfall});
  }
  return Result::ok;
}

Result MoneyBook::decide_attest(Actor actor, uint64_t release_id, Plan* plan, Refusal* refusal) const {
  QZ_ASSERT(plan != nullptr);
  plan->clear();
  const PendingRelease* r = release(release_id);
  if (r == nullptr) return refuse(refusal, Result::money_release_not_found, 0, 0, static_cast<int64_t>(release_id));
  const Program& p = programs_[r->program - 1];
  const bool settles = p.spec.attester != 0 ? actor.id == p.spec.attester : actor.role == Role::central_bank;
  if (!settles) return refuse(refusal, Result::actor_not_permitted, p.id, 0, 0);
  if (p.spec.release_rule == ReleaseRule::delayed && !r->disputed) {
    return refuse(refusal, Result::money_release_state_invalid, p.id, r->holder, static_cast<int64_t>(release_id));
  }
  if (r->tranche > 0) {
    const PendingRelease* earlier = release(release_id - 1);
    if (earlier != nullptr && earlier->grant == r->grant) {
      return refuse(refusal, Result::money_tranche_out_of_order, p.id, r->holder, static_cast<int64_t>(release_id - 1));
    }
  }
  plan->kind = PlanKind::release;
  plan->payee = r->holder;
  plan->program = p.id;
  plan->release = release_id;
  plan->amount_minor = r->amount_minor;
  plan->lot_changes.push_back(LotChange{.holder = r->holder, .program = p.id, .delta_minor = r->amount_minor,
                                        .kind = LotChangeKind::released});
  plan->closed.push_back(ClosedRelease{.id = release_id, .holder = r->holder, .amount_minor = r->amount_minor, .returned = false});
  return Result::ok;
}

Result MoneyBook::decide_dispute(Actor actor, uint64_t release_id, Plan* plan, Refusal* refusal) const {
  QZ_ASSERT(plan != nullptr);
  plan->clear();
  const PendingRelease* r = release(release_id);
  if (r == nullptr) return refuse(refusal, Result::money_release_not_found, 0, 0, static_cast<int64_t>(release_id));
  const Program& p = programs_[r->program - 1];
  if (!owns(actor, wallets_[p.spec.issuer_wallet - 1])) return refuse(refusal, Result::actor_not_permitted, p.id, 0, 0);
  if (p.spec.release_rule != ReleaseRule::delayed || r->disputed) {
    return refuse(refusal, Result::money_release_state_invalid, p.id, r->holder, static_cast<int64_t>(release_id));
  }
  plan->kind = PlanKind::dispute;
  plan->payee = r->holder;
  plan->program = p.id;
  plan->release = release_id;
  plan->amount_minor = r->amount_minor;
  return Result::ok;
}

Result MoneyBook::decide_cancel_release(Actor actor, uint64_t release_id, Plan* plan, Refusal* refusal) const {
  QZ_ASSERT(plan != nullptr);
  plan->clear();
  const PendingRelease* r = release(release_id);
  if (r == nullptr) return refuse(refusal, Result::money_release_not_found, 0, 0, static_cast<int64_t>(release_id));
  const Program& p = programs_[r->program - 1];
  if (!owns(actor, wallets_[p.spec.issuer_wallet - 1])) return refuse(refusal, Result::actor_not_permitted, p.id, 0, 0);
  if (p.spec.release_rule == ReleaseRule::delayed && !r->disputed) {
    return refuse(refusal, Result::money_release_state_invalid, p.id, r->holder, static_cast<int64_t>(release_id));
  }
  plan->kind = PlanKind::cancel_release;
  plan->payee = r->holder;
  plan->program = p.id;
  plan->release = release_id;
  plan->amount_minor = r->amount_minor;
  plan->postings.push_back(MoneyPosting{.debit = p.spec.escrow_account, .credit = funding_account(p),
                                        .amount_minor = r->amount_minor, .role = PostingRole::return_to_issuer,
                                        .program = p.id});
  plan->closed.push_back(ClosedRelease{.id = release_id, .holder = r->holder, .amount_minor = r->amount_minor, .returned = true});
  return Result::ok;
}

Result MoneyBook::decide_program_status(Actor actor, uint32_t program_id, ProgramStatus status, Plan* plan,
                                        Refusal* refusal) const {
  QZ_ASSERT(plan != nullptr);
  plan->clear();
  const Program* p = program(program_id);
  if (p == nullptr) return refuse(refusal, Result::money_program_not_found, program_id, 0, 0);
  if (actor.role != Role::central_bank && !owns(actor, wallets_[p->spec.issuer_wallet - 1])) {
    return refuse(refusal, Result::actor_not_permitted, p->id, 0, 0);
  }
  const bool live = p->status == ProgramStatus::active || p->status == ProgramStatus::paused;
  const bool allowed = (p->status == ProgramStatus::active && status == ProgramStatus::paused) ||
                       (p->status == ProgramStatus::paused && status == ProgramStatus::active) ||
                       (live && status == ProgramStatus::revoked);
  if (!allowed) return refuse(refusal, Result::money_program_status_invalid, p->id, 0, static_cast<int64_t>(status));
  plan->kind = PlanKind::program_status;
  plan->program = p->id;
  plan->status = status;
  if (status == ProgramStatus::revoked) plan_program_end(*p, PlanKind::program_status, plan);
  return Result::ok;
}

// A program's end (revocation, expiry): each lot in holder order, then each pending release in id order.
void MoneyBook::plan_program_end(const Program& p, PlanKind kind, Plan* plan) const {
  const bool to_holders = kind == PlanKind::expiry && p.spec.expiry_action == ExpiryAction::release_to_holder;
  const uint64_t issuer_account = funding_account(p);
  for (const uint64_t holder : p.holders) {
    const Lot* l = lot(holder, p.id);
    QZ_ASSERT(l != nullptr);
    if (l->balance_minor == 0) continue;
    if (to_holders) {
      plan->postings.push_back(MoneyPosting{.debit = p.spec.escrow_account, .credit = wallets_[holder - 1].spec.account,
                                            .amount_minor = l->balance_minor, .role = PostingRole::release_to_holder,
                                            .program = p.id});
      plan->lot_changes.push_back(LotChange{.holder = holder, .program = p.id, .delta_minor = -l->balance_minor,
                                            .kind = LotChangeKind::released_at_expiry, .counterparty = holder});
    } else {
      plan->postings.push_back(MoneyPosting{.debit = p.spec.escrow_account, .credit = issuer_account,
                                            .amount_minor = l->balance_minor, .role = PostingRole::return_to_issuer,
                                            .program = p.id});
      plan->lot_changes.push_back(LotChange{.holder = holder, .program = p.id, .delta_minor = -l->balance_minor,
                                            .kind = LotChangeKind::returned, .counterparty = p.spec.issuer_wallet});
    }
  }
  for (const auto& [id, r] : releases_) {
    if (r.program != p.id) continue;
    plan->postings.push_back(MoneyPosting{.debit = p.spec.escrow_account, .credit = issuer_account,
                                          .amount_minor = r.amount_minor, .role = PostingRole::return_to_issuer,
                                          .program = p.id});
    plan->closed.push_back(ClosedRelease{.id = id, .holder = r.holder, .amount_minor = r.amount_minor, .returned = true});
  }
}

// --- Applying ----------------------------------------------------------------------------------------------------

Result MoneyBook::execute(Ledger* ledger, const Plan& plan, std::vector<TransferDone>* posted) {
  QZ_ASSERT(ledger != nullptr);
  QZ_ASSERT(!ledger->in_group());
  const size_t posted_before = posted == nullptr ? 0 : posted->size();
  if (!plan.postings.empty()) {
    ledger->begin_group();
    for (const MoneyPosting& posting : plan.postings) {
      QZ_ASSERT(posting.amount_minor > 0);
      TransferDone done{};
      const Result result = ledger->transfer(
          kBookActor, TransferRequest{.debit = posting.debit, .credit = posting.credit, .amount_minor = posting.amount_minor},
          &done);
      if (result != Result::ok) {
        ledger->end_group(false);
        if (posted != nullptr) posted->resize(posted_before);
        return result;
      }
      if (posted != nullptr) posted->push_back(done);
    }
    ledger->end_group(true);
  }

  if (central_bank_wallet_ != 0) {
    const uint64_t issuance = wallets_[central_bank_wallet_ - 1].spec.account;
    for (const MoneyPosting& posting : plan.postings) {
      if (posting.debit == issuance) add_checked(&issued_minor_, posting.amount_minor);
      if (posting.credit == issuance) add_checked(&redeemed_minor_, posting.amount_minor);
    }
  }

  switch (plan.kind) {
    case PlanKind::grant: {
      Program& p = mutable_program(plan.program);
      add_checked(&p.stats.granted_minor, plan.amount_minor);
      (void)lot_for(mutable_wallet(plan.payee), p);  // the holder's slot, also for money still pending
      for (const PendingRelease& opened : plan.opened) {
        QZ_ASSERT_EQ(opened.id, next_release_id_);
        next_release_id_++;
        releases_.emplace(opened.id, opened);
        if (opened.release_at_ns != 0) delayed_queue_.insert({opened.release_at_ns, opened.id});
        add_checked(&p.stats.pending_minor, opened.amount_minor);
      }
      break;
    }
    case PlanKind::dispute: {
      const auto found = releases_.find(plan.release);
      QZ_ASSERT(found != releases_.end());
      PendingRelease& r = found->second;
      QZ_ASSERT(!r.disputed && r.release_at_ns != 0);
      r.disputed = true;
      QZ_ASSERT(delayed_queue_.erase({r.release_at_ns, r.id}) == 1);
      break;
    }
    default: break;
  }

  for (const LotChange& change : plan.lot_changes) apply_lot_change(plan, change);

  for (const ClosedRelease& closed : plan.closed) {
    const auto found = releases_.find(closed.id);
    QZ_ASSERT(found != releases_.end());
    const PendingRelease r = found->second;
    releases_.erase(found);
    if (r.release_at_ns != 0 && !r.disputed) QZ_ASSERT(delayed_queue_.erase({r.release_at_ns, r.id}) == 1);
    Program& p = mutable_program(r.program);
    add_checked(&p.stats.pending_minor, -r.amount_minor);
    if (closed.returned) add_checked(&p.stats.returned_minor, r.amount_minor);
    QZ_ASSERT(p.stats.pending_minor >= 0);
  }

  if (plan.kind == PlanKind::payment) apply_payment_counters(plan);

  if (plan.kind == PlanKind::program_status || plan.kind == PlanKind::expiry) {
    Program& p = mutable_program(plan.program);
    const ProgramStatus status = plan.kind == PlanKind::expiry ? ProgramStatus::expired : plan.status;
    p.status = status;
    if (status == ProgramStatus::revoked || status == ProgramStatus::expired) {
      if (p.spec.expires_at_ns != 0) expiry_queue_.erase({p.spec.expires_at_ns, p.id});
      for (const uint64_t holder : p.holders) {
        Wallet& w = mutable_wallet(holder);
        const auto at = std::find_if(w.lots.begin(), w.lots.end(), [&](const Lot& l) { return l.program == p.id; });
        QZ_ASSERT(at != w.lots.end());
        QZ_ASSERT_EQ(at->balance_minor, 0);
        w.lots.erase(at);
      }
      p.holders.clear();
      QZ_ASSERT_EQ(p.stats.outstanding_minor, 0);
      QZ_ASSERT_EQ(p.stats.pending_minor, 0);
    }
  }
  return Result::ok;
}

void MoneyBook::apply_lot_change(const Plan& plan, const LotChange& change) {
  Program& p = mutable_program(change.program);
  Lot& l = lot_for(mutable_wallet(change.holder), p);
  add_checked(&l.balance_minor, change.delta_minor);
  QZ_ASSERT_GE(l.balance_minor, 0);
  add_checked(&p.stats.outstanding_minor, change.delta_minor);
  const int64_t moved = change.delta_minor < 0 ? -change.delta_minor : change.delta_minor;
  switch (change.kind) {
    case LotChangeKind::granted:
    case LotChangeKind::received: add_checked(&l.received_minor, moved); break;
    case LotChangeKind::released:
      add_checked(&l.received_minor, moved);
      add_checked(&p.stats.released_minor, moved);
      break;
    case LotChangeKind::spent: {
      const Wallet& to = wallets_[change.counterparty - 1];
      add_checked(&p.stats.spent_minor, moved);
      add_checked(&p.stats.spent_by_category_region[{to.spec.mcc, to.spec.region}], moved);
      if (to.spec.kind == WalletKind::bank) add_checked(&p.stats.cashed_out_minor, moved);
      break;
    }
    case LotChangeKind::sent: add_checked(&p.stats.moved_minor, moved); break;
    case LotChangeKind::returned: add_checked(&p.stats.returned_minor, moved); break;
    case LotChangeKind::released_at_expiry: add_checked(&p.stats.released_at_expiry_minor, moved); break;
  }
  (void)plan;
}

void MoneyBook::apply_payment_counters(const Plan& plan) {
  Wallet& payer = mutable_wallet(plan.payer);
  const Wallet& payee = wallets_[plan.payee - 1];
  const uint64_t day = now_ns_ / kNsPerDay;
  const uint64_t year = civil_year_of_day(day);
  if (payer.usage_day != day) {
    payer.usage_day = day;
    payer.day_spent_minor = 0;
  }
  if (payer.usage_year != year) {
    payer.usage_year = year;
    payer.year_spent_minor = 0;
  }
  payer.day_spent_minor = add_saturated(payer.day_spent_minor, plan.amount_minor);
  payer.year_spent_minor = add_saturated(payer.year_spent_minor, plan.amount_minor);
  for (const LotChange& change : plan.lot_changes) {
    if (change.holder != plan.payer) continue;
    QZ_ASSERT(change.kind == LotChangeKind::spent || change.kind == LotChangeKind::sent);
    const Program& p = programs_[change.program - 1];
    Lot* l = find_lot(payer, change.program);
    QZ_ASSERT(l != nullptr);
    if (p.spec.period_limit_minor != 0) {
      const uint64_t period = now_ns_ / p.spec.period_ns;
      if (l->period != period) {
        l->period = period;
        l->period_spent_minor = 0;
      }
      l->period_spent_minor = add_saturated(l->period_spent_minor, -change.delta_minor);
    }
    if (p.spec.category_share_cap_bps != 0 && wallet_kind_has_category(payee.spec.kind)) {
      const auto at = std::lower_bound(l->categories.begin(), l->categories.end(), payee.spec.mcc,
                                       [](const CategorySpend& c, uint16_t mcc) { return c.mcc < mcc; });
      if (at != l->categories.end() && at->mcc == payee.spec.mcc) {
        at->spent_minor = add_saturated(at->spent_minor, -change.delta_minor);
      } else {
        l->categories.insert(at, CategorySpend{.mcc = payee.spec.mcc, .spent_minor = -change.delta_minor});
      }
    }
  }
}

void MoneyBook::begin_block(Ledger* ledger, uint64_t block_time_ns, std::vector<Plan>* done,
                            std::vector<TransferDone>* posted) {
  QZ_ASSERT(ledger != nullptr);
  QZ_ASSERT_GE(block_time_ns, now_ns_);
  now_ns_ = block_time_ns;
  Plan plan;
  while (!delayed_queue_.empty() && delayed_queue_.begin()->first <= block_time_ns) {
    const auto found = releases_.find(delayed_queue_.begin()->second);
    QZ_ASSERT(found != releases_.end());
    const PendingRelease r = found->second;
    plan.clear();
    plan.kind = PlanKind::release;
    plan.payee = r.holder;
    plan.program = r.program;
    plan.release = r.id;
    plan.amount_minor = r.amount_minor;
    plan.lot_changes.push_back(LotChange{.holder = r.holder, .program = r.program, .delta_minor = r.amount_minor,
                                         .kind = LotChangeKind::released});
    plan.closed.push_back(ClosedRelease{.id = r.id, .holder = r.holder, .amount_minor = r.amount_minor, .returned = false});
    QZ_ASSERT_MSG(execute(ledger, plan, posted) == Result::ok, "money: a delayed release was refused by the ledger");
    if (done != nullptr) done->push_back(plan);
  }
  while (!expiry_queue_.empty() && expiry_queue_.begin()->first <= block_time_ns) {
    const Program& p = programs_[expiry_queue_.begin()->second - 1];
    QZ_ASSERT(p.status == ProgramStatus::active || p.status == ProgramStatus::paused);
    plan.clear();
    plan.kind = PlanKind::expiry;
    plan.program = p.id;
    plan_program_end(p, PlanKind::expiry, &plan);
    QZ_ASSERT_MSG(execute(ledger, plan, posted) == Result::ok, "money: an expiry was refused by the ledger");
    if (done != nullptr) done->push_back(plan);
  }
}

// --- Hash and invariants -----------------------------------------------------------------------------------------

// The state in id order, in chunks (the header and classes, each wallet, each program, the releases), so the
// hash need not hold the whole book in one buffer. The snapshot is the same bytes.
template <typename Flush>
void MoneyBook::write_state(Flush&& flush) const {
  std::vector<uint8_t> bytes;
  ByteWriter out(&bytes);
  out.u32(asset_);
  out.u64(now_ns_);
  out.u64(next_release_id_);
  out.u64(central_bank_wallet_);
  out.i64(issued_minor_);
  out.i64(redeemed_minor_);
  out.u64(classes_.size());
  out.u64(wallets_.size());
  out.u64(programs_.size());
  for (const WalletClass& c : classes_) {
    out.u8(c.kyc_level);
    out.i64(c.balance_cap_minor);
    out.i64(c.per_payment_limit_minor);
    out.i64(c.daily_limit_minor);
    out.i64(c.annual_limit_minor);
  }
  flush(bytes);
  for (const Wallet& w : wallets_) {
    bytes.clear();
    out.u64(w.id);
    out.u64(w.spec.owner);
    out.u64(w.spec.account);
    out.u32(w.spec.wallet_class);
    out.u8(static_cast<uint8_t>(w.spec.kind));
    out.u16(w.spec.mcc);
    out.u16(w.spec.region);
    out.u64(w.spec.linked_account);
    out.u8(static_cast<uint8_t>((w.spec.waterfall ? 1 : 0) | (w.spec.reverse_waterfall ? 2 : 0)));
    out.u64(w.usage_day);
    out.i64(w.day_spent_minor);
    out.u64(w.usage_year);
    out.i64(w.year_spent_minor);
    out.u64(w.lots.size());
    for (const Lot& l : w.lots) {
      out.u32(l.program);
      out.u64(l.expires_at_ns);
      out.i64(l.balance_minor);
      out.i64(l.received_minor);
      out.u64(l.period);
      out.i64(l.period_spent_minor);
      out.u64(l.categories.size());
      for (const CategorySpend& c : l.categories) {
        out.u16(c.mcc);
        out.i64(c.spent_minor);
      }
    }
    flush(bytes);
  }
  for (const Program& p : programs_) {
    bytes.clear();
    const ProgramSpec& s = p.spec;
    out.u32(p.id);
    out.u32(p.version);
    out.u8(static_cast<uint8_t>(p.status));
    out.u64(s.code.size());
    out.bytes(s.code.data(), s.code.size());
    out.u64(s.issuer_wallet);
    out.u64(s.escrow_account);
    out.u64(s.valid_from_ns);
    out.u64(s.expires_at_ns);
    out.u8(static_cast<uint8_t>(s.expiry_action));
    out.u64(s.allow.size());
    for (const uint64_t v : s.allow) out.u64(v);
    out.u64(s.deny.size());
    for (const uint64_t v : s.deny) out.u64(v);
    out.u64(s.categories.size());
    for (const uint16_t v : s.categories) out.u16(v);
    out.u64(s.regions.size());
    for (const uint16_t v : s.regions) out.u16(v);
    out.u8(static_cast<uint8_t>((s.p2p_allowed ? 1 : 0) | (s.cash_out_allowed ? 2 : 0)));
    out.i64(s.per_payment_limit_minor);
    out.i64(s.period_limit_minor);
    out.u64(s.period_ns);
    out.u32(s.category_share_cap_bps);
    out.u64(s.eligible_classes.size());
    for (const uint32_t v : s.eligible_classes) out.u32(v);
    out.u8(s.terminal_kinds);
    out.u8(static_cast<uint8_t>(s.release_rule));
    out.u64(s.release_delay_ns);
    out.u64(s.attester);
    const ProgramStats& t = p.stats;
    for (const int64_t v : {t.granted_minor, t.pending_minor, t.released_minor, t.outstanding_minor, t.spent_minor,
                            t.cashed_out_minor, t.moved_minor, t.returned_minor, t.released_at_expiry_minor}) {
      out.i64(v);
    }
    out.u64(t.spent_by_category_region.size());
    for (const auto& [key, spent] : t.spent_by_category_region) {
      out.u16(key.first);
      out.u16(key.second);
      out.i64(spent);
    }
    flush(bytes);
  }
  bytes.clear();
  out.u64(releases_.size());
  for (const auto& [id, r] : releases_) {
    out.u64(id);
    out.u64(r.grant);
    out.u32(r.program);
    out.u64(r.holder);
    out.i64(r.amount_minor);
    out.u8(r.tranche);
    out.u64(r.release_at_ns);
    out.u8(r.disputed ? 1 : 0);
  }
  flush(bytes);
}

void MoneyBook::hash_into(Sha256* hasher) const {
  hasher->update("qazna.money.v1");
  write_state([&](const std::vector<uint8_t>& bytes) { hasher->update(bytes.data(), bytes.size()); });
}

void MoneyBook::write_snapshot(ByteWriter* out) const {
  write_state([&](const std::vector<uint8_t>& bytes) { out->bytes(bytes.data(), bytes.size()); });
}

namespace {

// A count read from a snapshot, refused when it could not fit in what is left (each item takes at least
// `item_size` bytes), so a corrupt count cannot make a huge allocation.
bool read_count(ByteReader* in, size_t item_size, uint64_t* count) {
  *count = in->u64();
  return in->ok() && *count <= in->remaining() / item_size;
}

template <typename T>
bool read_list(ByteReader* in, size_t limit, std::vector<T>* list, T (ByteReader::*read)()) {
  uint64_t count = 0;
  if (!read_count(in, sizeof(T), &count) || count > limit) return false;
  list->resize(count);
  for (T& v : *list) v = (in->*read)();
  return in->ok();
}

}  // namespace

bool MoneyBook::read_snapshot(ByteReader* in, const Ledger& ledger) {
  QZ_ASSERT(wallets_.empty() && programs_.empty() && classes_.empty());
  if (in->u32() != asset_) return false;
  now_ns_ = in->u64();
  next_release_id_ = in->u64();
  central_bank_wallet_ = in->u64();
  issued_minor_ = in->i64();
  redeemed_minor_ = in->i64();
  uint64_t class_count = 0;
  uint64_t wallet_count = 0;
  uint64_t program_count = 0;
  if (!read_count(in, 33, &class_count) || !read_count(in, 8, &wallet_count) || !read_count(in, 8, &program_count)) {
    return false;
  }
  if (next_release_id_ == 0 || central_bank_wallet_ > wallet_count || program_count > UINT32_MAX) return false;
  for (uint64_t i = 0; i < class_count; i++) {
    WalletClass c;
    c.kyc_level = in->u8();
    c.balance_cap_minor = in->i64();
    c.per_payment_limit_minor = in->i64();
    c.daily_limit_minor = in->i64();
    c.annual_limit_minor = in->i64();
    if (!wallet_class_valid(c)) return false;
    classes_.push_back(c);
  }
  wallets_.reserve(wallet_count);
  for (uint64_t i = 0; i < wallet_count && in->ok(); i++) {
    Wallet w;
    w.id = in->u64();
    w.spec.owner = in->u64();
    w.spec.account = in->u64();
    w.spec.wallet_class = in->u32();
    const uint8_t kind = in->u8();
    w.spec.kind = static_cast<WalletKind>(kind);
    w.spec.mcc = in->u16();
    w.spec.region = in->u16();
    w.spec.linked_account = in->u64();
    const uint8_t flags = in->u8();
    w.spec.waterfall = (flags & 1) != 0;
    w.spec.reverse_waterfall = (flags & 2) != 0;
    w.usage_day = in->u64();
    w.day_spent_minor = in->i64();
    w.usage_year = in->u64();
    w.year_spent_minor = in->i64();
    uint64_t lots = 0;
    if (!read_count(in, 44, &lots) || lots > kWalletLotsMax) return false;
    if (w.id != i + 1 || kind == 0 || kind > kMaxWalletKind || flags > 3) return false;
    if (w.spec.wallet_class > classes_.size()) return false;
    if ((w.spec.kind == WalletKind::central_bank) != (w.id == central_bank_wallet_)) return false;
    if (!accounts_in_use_.insert(w.spec.account == 0 ? std::numeric_limits<uint64_t>::max() : w.spec.account, w.id)) return false;
    for (uint64_t k = 0; k < lots; k++) {
      Lot l;
      l.program = in->u32();
      l.expires_at_ns = in->u64();
      l.balance_minor = in->i64();
      l.received_minor = in->i64();
      l.period = in->u64();
      l.period_spent_minor = in->i64();
      uint64_t categories = 0;
      if (!read_count(in, 10, &categories) || categories > kMccMax) return false;
      for (uint64_t c = 0; c < categories; c++) {
        const uint16_t mcc = in->u16();
        l.categories.push_back(CategorySpend{.mcc = mcc, .spent_minor = in->i64()});
      }
      if (l.program == 0 || l.program > program_count) return false;
      w.lots.push_back(std::move(l));
    }
    wallets_.push_back(std::move(w));
  }
  programs_.reserve(program_count);
  for (uint64_t i = 0; i < program_count && in->ok(); i++) {
    Program p;
    p.id = in->u32();
    p.version = in->u32();
    const uint8_t status = in->u8();
    p.status = static_cast<ProgramStatus>(status);
    ProgramSpec& s = p.spec;
    uint64_t code_size = 0;
    if (!read_count(in, 1, &code_size) || code_size > kProgramCodeMax) return false;
    s.code.resize(code_size);
    in->bytes(s.code.data(), code_size);
    s.issuer_wallet = in->u64();
    s.escrow_account = in->u64();
    s.valid_from_ns = in->u64();
    s.expires_at_ns = in->u64();
    s.expiry_action = static_cast<ExpiryAction>(in->u8());
    if (!read_list(in, kProgramListMax, &s.allow, &ByteReader::u64) ||
        !read_list(in, kProgramListMax, &s.deny, &ByteReader::u64) ||
        !read_list(in, kProgramCategoriesMax, &s.categories, &ByteReader::u16) ||
        !read_list(in, kProgramRegionsMax, &s.regions, &ByteReader::u16)) {
      return false;
    }
    const uint8_t flags = in->u8();
    s.p2p_allowed = (flags & 1) != 0;
    s.cash_out_allowed = (flags & 2) != 0;
    s.per_payment_limit_minor = in->i64();
    s.period_limit_minor = in->i64();
    s.period_ns = in->u64();
    s.category_share_cap_bps = in->u32();
    if (!read_list(in, kProgramClassesMax, &s.eligible_classes, &ByteReader::u32)) return false;
    s.terminal_kinds = in->u8();
    s.release_rule = static_cast<ReleaseRule>(in->u8());
    s.release_delay_ns = in->u64();
    s.attester = in->u64();
    ProgramStats& t = p.stats;
    for (int64_t* v : {&t.granted_minor, &t.pending_minor, &t.released_minor, &t.outstanding_minor, &t.spent_minor,
                       &t.cashed_out_minor, &t.moved_minor, &t.returned_minor, &t.released_at_expiry_minor}) {
      *v = in->i64();
    }
    uint64_t spent = 0;
    if (!read_count(in, 12, &spent)) return false;
    for (uint64_t k = 0; k < spent; k++) {
      const uint16_t mcc = in->u16();
      const uint16_t region = in->u16();
      t.spent_by_category_region[{mcc, region}] = in->i64();
    }
    const ProgramSpec as_read = s;
    if (!in->ok() || p.id != i + 1 || p.version == 0 || status == 0 || status > 4 || flags > 3) return false;
    if (normalize_program_spec(&s) != Result::ok || s.allow != as_read.allow || s.deny != as_read.deny ||
        s.categories != as_read.categories || s.regions != as_read.regions ||
        s.eligible_classes != as_read.eligible_classes) {
      return false;
    }
    if (s.issuer_wallet == 0 || s.issuer_wallet > wallets_.size()) return false;
    if (!accounts_in_use_.insert(s.escrow_account == 0 ? std::numeric_limits<uint64_t>::max() : s.escrow_account, kProgramTag | p.id)) {
      return false;
    }
    const bool live = p.status == ProgramStatus::active || p.status == ProgramStatus::paused;
    if (live && s.expires_at_ns != 0) expiry_queue_.insert({s.expires_at_ns, p.id});
    latest_by_code_[s.code] = p.id;
    programs_.push_back(std::move(p));
  }
  uint64_t release_count = 0;
  if (!read_count(in, 46, &release_count)) return false;
  for (uint64_t i = 0; i < release_count; i++) {
    PendingRelease r;
    r.id = in->u64();
    r.grant = in->u64();
    r.program = in->u32();
    r.holder = in->u64();
    r.amount_minor = in->i64();
    r.tranche = in->u8();
    r.release_at_ns = in->u64();
    const uint8_t disputed = in->u8();
    r.disputed = disputed == 1;
    if (!in->ok() || disputed > 1 || r.program == 0 || r.program > programs_.size() || r.holder == 0 ||
        r.holder > wallets_.size() || !releases_.emplace(r.id, r).second) {
      return false;
    }
    if (r.release_at_ns != 0 && !r.disputed) delayed_queue_.insert({r.release_at_ns, r.id});
  }
  if (!in->ok()) return false;
  for (const Wallet& w : wallets_) {
    const Account* account = ledger.account(w.spec.account);
    if (account == nullptr || account->asset != asset_) return false;
    for (const Lot& l : w.lots) programs_[l.program - 1].holders.insert(w.id);
  }
  for (const Program& p : programs_) {
    const Account* escrow = ledger.account(p.spec.escrow_account);
    if (escrow == nullptr || escrow->asset != asset_) return false;
  }
  return check_invariants(ledger).empty();
}

Hash256 MoneyBook::state_hash() const {
  Sha256 hasher;
  hash_into(&hasher);
  return hasher.finish();
}

std::string MoneyBook::check_invariants(const Ledger& ledger) const {
  // Supply.
  if (central_bank_wallet_ != 0) {
    const Account* issuance = ledger.account(wallets_[central_bank_wallet_ - 1].spec.account);
    if (issuance == nullptr) return "money: the central bank's issuance account is missing";
    if (-static_cast<int128>(issuance->total_minor) != static_cast<int128>(issued_minor_) - redeemed_minor_) {
      return "money: supply " + std::to_string(-issuance->total_minor) + " != issued " + std::to_string(issued_minor_) +
             " - redeemed " + std::to_string(redeemed_minor_);
    }
  } else if (issued_minor_ != 0 || redeemed_minor_ != 0) {
    return "money: issuance recorded without a central bank wallet";
  }
  if (accounts_in_use_.size() != wallets_.size() + programs_.size()) return "money: accounts in use out of step";

  // Wallets and their lots.
  for (const Wallet& w : wallets_) {
    const std::string name = "money: wallet " + std::to_string(w.id);
    if (w.id == 0 || w.id > wallets_.size() || &wallets_[w.id - 1] != &w) return name + " is out of place";
    if (w.lots.size() > kWalletLotsMax) return name + " holds too many lots";
    for (size_t i = 0; i < w.lots.size(); i++) {
      const Lot& l = w.lots[i];
      const Program* p = program(l.program);
      if (p == nullptr) return name + " holds a lot of a missing program";
      if (i > 0 && !(spending_key(w.lots[i - 1]) < spending_key(l))) return name + ": lots out of spending order";
      if (l.balance_minor < 0) return name + ": negative lot";
      if (l.expires_at_ns != p->spec.expires_at_ns) return name + ": lot expiry differs from its program's";
      if (p->status == ProgramStatus::revoked || p->status == ProgramStatus::expired) {
        return name + ": lot of ended program " + p->spec.code;
      }
      if (p->holders.count(w.id) != 1) return name + ": lot missing from its program's holders";
    }
  }

  // Programs: escrow backing, money by state, ended programs empty, no lot past its expiry.
  std::vector<int128> pending(programs_.size(), 0);
  for (const auto& [id, r] : releases_) {
    const Program* p = program(r.program);
    if (p == nullptr || id != r.id || id >= next_release_id_ || r.amount_minor <= 0) {
      return "money: release " + std::to_string(id) + " is malformed";
    }
    if (lot(r.holder, r.program) == nullptr) return "money: release " + std::to_string(id) + " has no lot slot";
    const bool queued = delayed_queue_.count({r.release_at_ns, id}) == 1;
    if (queued != (r.release_at_ns != 0 && !r.disputed)) return "money: release " + std::to_string(id) + " queue mismatch";
    pending[r.program - 1] += r.amount_minor;
  }
  size_t queued_releases = 0;
  for (const auto& [id, r] : releases_) queued_releases += r.release_at_ns != 0 && !r.disputed ? 1 : 0;
  if (queued_releases != delayed_queue_.size()) return "money: the delayed queue holds closed releases";

  size_t live_with_expiry = 0;
  for (const Program& p : programs_) {
    const std::string name = "money: program " + p.spec.code + " v" + std::to_string(p.version);
    int128 lots = 0;
    for (const uint64_t holder : p.holders) {
      const Lot* l = lot(holder, p.id);
      if (l == nullptr) return name + ": holder " + std::to_string(holder) + " has no lot";
      lots += l->balance_minor;
    }
    const Account* escrow = ledger.account(p.spec.escrow_account);
    if (escrow == nullptr) return name + ": escrow account missing";
    if (escrow->total_minor != lots + pending[p.id - 1]) {
      return name + ": escrow " + std::to_string(escrow->total_minor) + " != lots + pending releases";
    }
    const ProgramStats& t = p.stats;
    if (t.outstanding_minor != lots || t.pending_minor != pending[p.id - 1]) return name + ": stats out of step";
    const int128 accounted = static_cast<int128>(t.outstanding_minor) + t.pending_minor + t.spent_minor +
                             t.returned_minor + t.released_at_expiry_minor;
    if (accounted != t.granted_minor) return name + ": granted != lots + pending + spent + returned + released";
    if (!p.spec.cash_out_allowed && t.cashed_out_minor != 0) return name + ": cashed out money that may not be";
    const bool live = p.status == ProgramStatus::active || p.status == ProgramStatus::paused;
    if (!live && (!p.holders.empty() || pending[p.id - 1] != 0)) return name + ": ended but holds money";
    if (live && p.spec.expires_at_ns != 0) {
      live_with_expiry++;
      if (p.spec.expires_at_ns <= now_ns_) return name + ": lots spendable after expiry";
      if (expiry_queue_.count({p.spec.expires_at_ns, p.id}) != 1) return name + ": missing from the expiry queue";
    }
  }
  if (live_with_expiry != expiry_queue_.size()) return "money: the expiry queue holds ended programs";
  return "";
}

}  // namespace qz
