// Programs: purpose-bound digital tenge (docs/money.md, "Programs").
//
// A program is published once and never changes: a change is a new version (a new program id under the same
// code). Only its status moves: active <-> paused, then revoked or expired, both final. This header holds the
// definition, its validation and the pure condition checks a payment from a lot runs against a recipient;
// the state (lots, releases, counters) lives in money/money.h.
//
// Pure functions over plain values; deterministic; no I/O.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace qz {

// The kinds of wallet (docs/money.md, "Wallets"). Stable numbers: they are journaled and hashed.
enum class WalletKind : uint8_t {
  individual = 1,
  merchant = 2,      // carries an MCC and a region
  agency = 3,        // a government agency; carries an MCC (e.g. 9399) and a region
  contractor = 4,    // a budget contractor or supplier; carries an MCC and a region
  bank = 5,          // a second-tier bank: receives issuance, distributes, takes cash-out and waterfall sweeps
  central_bank = 6,  // the issuer; its wallet is the ledger's issuance account for the digital tenge
};
inline constexpr uint8_t kMaxWalletKind = 6;
const char* wallet_kind_name(WalletKind kind);  // "merchant"; "unknown" otherwise
constexpr uint8_t wallet_kind_bit(WalletKind kind) { return static_cast<uint8_t>(1u << static_cast<uint8_t>(kind)); }
// True for the kinds that carry a merchant category and a region.
constexpr bool wallet_kind_has_category(WalletKind kind) {
  return kind == WalletKind::merchant || kind == WalletKind::agency || kind == WalletKind::contractor;
}

enum class ExpiryAction : uint8_t { return_to_issuer = 1, release_to_holder = 2 };
enum class ReleaseRule : uint8_t { immediate = 1, milestone = 2, delayed = 3 };
enum class ProgramStatus : uint8_t { active = 1, paused = 2, revoked = 3, expired = 4 };
const char* program_status_name(ProgramStatus status);  // "active"; "unknown" otherwise

inline constexpr size_t kProgramCodeMax = 24;
inline constexpr size_t kProgramListMax = 256;     // allow and deny lists
inline constexpr size_t kProgramCategoriesMax = 64;
inline constexpr size_t kProgramRegionsMax = 64;
inline constexpr size_t kProgramClassesMax = 32;
inline constexpr uint16_t kMccMax = 9999;
inline constexpr uint16_t kMccQuasiCash = 6051;  // the venue's category: quasi-cash and crypto

// What the issuer publishes. Lists are sets: publishing sorts them and drops repeats.
struct ProgramSpec {
  std::string code;                 // 1-24 of A-Z, 0-9, '-': "SUBSIDY-FOOD-2027"
  uint64_t issuer_wallet = 0;       // the central bank's or an agency's wallet: funds grants, takes returns
  uint64_t escrow_account = 0;      // a ledger escrow account of the digital tenge, for this program alone
  uint64_t valid_from_ns = 0;       // block time from which lots may be spent
  uint64_t expires_at_ns = 0;       // block time at which lots expire; 0 = never
  ExpiryAction expiry_action = ExpiryAction::return_to_issuer;
  std::vector<uint64_t> allow;      // recipient wallets (with a category); empty = any
  std::vector<uint64_t> deny;       // recipient wallets (with a category) never paid
  std::vector<uint16_t> categories; // allowed MCCs; empty = any
  std::vector<uint16_t> regions;    // allowed regions; empty = any
  bool p2p_allowed = false;         // payments to individuals
  bool cash_out_allowed = false;    // payments to banks
  int64_t per_payment_limit_minor = 0;  // at most this much of one payment from the lot; 0 = none
  int64_t period_limit_minor = 0;       // at most this much per period per holder; 0 = none
  uint64_t period_ns = 0;               // the period (aligned to multiples from time 0); needed with a limit
  uint32_t category_share_cap_bps = 0;  // at most this share of a holder's receipts to one MCC; 0 = none
  std::vector<uint32_t> eligible_classes;  // wallet classes that may hold the money; empty = any
  // Recipients of these kinds unwrap the money (it becomes ordinary); the others keep the label. By
  // wallet_kind_bit; the central bank's bit is not allowed.
  uint8_t terminal_kinds = wallet_kind_bit(WalletKind::merchant) | wallet_kind_bit(WalletKind::agency) |
                           wallet_kind_bit(WalletKind::bank);
  ReleaseRule release_rule = ReleaseRule::immediate;
  uint64_t release_delay_ns = 0;  // delayed: time from grant to automatic release (above 0)
  uint64_t attester = 0;          // milestone: the user who records milestones and settles disputes
};

// True when `code` is 1-24 characters of A-Z, 0-9 and '-'.
bool program_code_valid(std::string_view code);

// The spec's own rules (no state): code, expiry after valid-from, limits >= 0 with a period for a period limit,
// share cap <= 10000, lists within bounds, MCCs 1-9999, terminal kinds known and without the central bank, a
// milestone program with an attester, a delayed program with a delay. Sorts and deduplicates the lists.
// ok or money_program_invalid.
[[nodiscard]] Result normalize_program_spec(ProgramSpec* spec);

// A recipient as the conditions see it.
struct Recipient {
  uint64_t wallet = 0;
  WalletKind kind = WalletKind::individual;
  uint32_t wallet_class = 0;
  uint16_t mcc = 0;
  uint16_t region = 0;
};

// The rules that decide whether lot money of a program may reach `to` at `now_ns`, in this order:
// program_revoked, program_expired (status expired or now at/after expires_at), program_paused,
// program_not_yet_valid, then for recipients with a category program_merchant_denied,
// program_merchant_not_listed, program_category_not_allowed, program_region_not_allowed; for individuals
// program_p2p_not_allowed; for banks program_cash_out_not_allowed; the central bank never takes lot money
// (program_recipient_not_eligible); for recipients that keep the label, program_recipient_not_eligible when
// their class is not eligible. `*value` gets the detail for a message (the MCC, the region, the wallet).
[[nodiscard]] Result check_recipient(const ProgramSpec& spec, ProgramStatus status, uint64_t now_ns,
                                     const Recipient& to, int64_t* value);

bool program_class_eligible(const ProgramSpec& spec, uint32_t wallet_class);
inline bool program_terminal(const ProgramSpec& spec, WalletKind kind) {
  return (spec.terminal_kinds & wallet_kind_bit(kind)) != 0;
}

}  // namespace qz
