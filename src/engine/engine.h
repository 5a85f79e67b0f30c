// The deterministic engine: Engine::apply(block) -> events.
//
// One single-threaded state machine owns every decision about money. The same blocks in give the same events
// and the same state hash out on any machine: no clock (time comes in the block), no randomness, no I/O, no
// floating point, and hash-map order never reaches an event, a hash or a snapshot.
//
// Applying a block:
//   1. holds whose timeout has passed (expires_at_ns <= block time) expire, in (expiry, hold id) order, each
//      with a hold_expired event whose command_index is kNoCommand;
//   2. commands run in order. A run of commands flagged linked plus the first unflagged one after them is a
//      group: all of it applies or none of it does (the failing command gets its own code, the others
//      linked_event_failed). A group still open at the end of the block fails with linked_group_open.
//   3. each command's request id (if not 0) is looked up per actor: a repeat gets a duplicate event carrying
//      the original result and id and changes nothing; the same id with a different command is
//      request_id_reused. Every request id the engine decided on is remembered, rejections included; a
//      group stopped by this screening decided nothing new, so nothing of it is remembered.
//      From rules version 2 on (set_engine_rules), a place_order's request id is its client order id and is
//      not looked up or remembered here: it must only differ from those of the actor's open orders
//      (client_order_id_open), so that a closed order's id can be used again, as Binance allows, and the
//      table does not grow with every order ever placed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "engine/command.h"
#include "engine/event.h"
#include "engine/exchange.h"
#include "ledger/ledger.h"
#include "ledger/requests.h"
#include "money/money.h"
#include "rules/clients.h"
#include "rules/limits.h"
#include "rules/rates.h"

namespace qz {

struct BlockInput {
  uint64_t height;
  uint64_t time_ns;
  std::span<const Command> commands;
};

// 2: markets and orders; 3: order reservations locked per account; 4: the client registry; 5: conversion rates;
// 7: the digital tenge; 8: the engine's rules version (versions 6 and 7, the same without them, are still read).
inline constexpr uint32_t kSnapshotFormatVersion = 8;

// The rules the engine decides by (set_engine_rules). A fresh engine decides by version 1, so that every
// journal replays under the rules it was written with; a venue moves its engine to the newest at start.
// 1: every request id is remembered for good; 2: a place_order's request id is a client order id, unique among
// the actor's open orders only.
inline constexpr uint32_t kEngineRulesVersion = 2;

class Engine {
 public:
  explicit Engine(const LedgerLimits& limits = {}, const MarketLimits& market_limits = {});
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;

  // Preconditions (asserted): block.height == next_height(); block.time_ns > last_time_ns() (the genesis
  // block, height 0, may have any time). Appends this block's events to *events.
  void apply(const BlockInput& block, std::vector<Event>* events);

  // The same block applied in parts, for a sequencer that takes more commands while it applies (the journal):
  // begin_block, apply_part for each part in order, then end_block give exactly the state and the events of
  // apply() on the parts joined, provided only the last part ends inside a linked group (asserted: no part may
  // follow one that did). begin_block has apply's preconditions and appends the block's expiries; a part's
  // commands take the block's next command indexes. While a block is open, state_hash, write_snapshot and
  // check_invariants are refused (asserted) and next_height() is still the open block's height.
  void begin_block(uint64_t height, uint64_t time_ns, std::vector<Event>* events);
  void apply_part(std::span<const Command> commands, std::vector<Event>* events);
  void end_block();
  bool block_open() const { return block_open_; }

  uint64_t next_height() const { return next_height_; }
  uint32_t rules_version() const { return rules_version_; }
  uint64_t last_time_ns() const { return last_time_ns_; }

  // SHA-256 over an ordered traversal of the whole state (height, time, ledger, request table).
  Hash256 state_hash() const;
  // Empty when every invariant holds, else the first violation. O(state); for tests, checks and verify.
  std::string check_invariants() const;

  // Snapshot format in docs/formats.md: magic, version, height, time, state hash, body, SHA-256 of all before.
  // `state_hash`: the state's hash if the caller has just computed it (state_hash() is not free).
  void write_snapshot(std::vector<uint8_t>* out, const Hash256* state_hash = nullptr) const;
  // Into a freshly constructed engine. Checks magic, version, digest, structure and that the recomputed state
  // hash equals the recorded one.
  [[nodiscard]] Status load_snapshot(std::span<const uint8_t> data);

  const Ledger& ledger() const { return ledger_; }
  const RequestTable& requests() const { return requests_; }
  const Exchange& exchange() const { return exchange_; }
  const ClientRegistry& clients() const { return clients_; }
  const ConversionRates& rates() const { return rates_; }
  const ClientLimits& limits() const { return limits_; }
  // The digital tenge's book: nullptr until the first money command (docs/money.md, "The engine wiring").
  const MoneyBook* money() const { return money_.get(); }
  uint64_t exchange_venue_wallet() const { return exchange_venue_wallet_; }
  uint64_t exchange_tenge_account() const { return exchange_tenge_account_; }

  // Commands that must stand alone or in the one supported pair (market, order and client commands).
  static bool stands_alone(CommandKind kind) {
    return Exchange::handles(kind) || kind == CommandKind::set_engine_rules ||
           (kind >= CommandKind::register_client && kind <= CommandKind::set_retail_cap);
  }

 private:
  void apply_group(std::span<const Command> group, uint32_t first_index, uint64_t block_time_ns,
                   std::vector<Event>* events);
  bool screen_requests(std::span<const Command> group, uint32_t first_index, std::vector<Event>* events);
  Result apply_one(const Command& command, uint64_t block_time_ns, Event* event, uint64_t* object_id);
  // A deposit or withdrawal of a registered client under its tier's limits (docs/clients.md): checks it and
  // says what to count once the ledger took it. ok with *counted false when no limit applies.
  struct Movement {
    uint64_t client = 0;
    LimitKind kind = LimitKind::deposit;
    int64_t value_tiyn = 0;
  };
  Result check_movement(uint64_t debit, uint64_t credit, int64_t amount_minor, uint64_t block_time_ns,
                        Movement* movement, bool* counted) const;
  std::string commitments_problem() const;
  // Whether the command's request id is screened and remembered in requests_ (see rules version 2 above).
  bool tracked(const Command& command) const {
    return command.request_id != 0 && (rules_version_ < 2 || command.command_kind() != CommandKind::place_order);
  }
  void remember(const Command& command, Result result, uint64_t object_id);
  Result set_rules(const Command& command, uint32_t index, std::vector<Event>* events);
  void prefetch_request(const Command& command) const;
  void apply_market_group(std::span<const Command> group, uint32_t first_index, uint64_t block_time_ns,
                          std::vector<Event>* events);
  Result apply_client(const Command& command, uint32_t index, std::vector<Event>* events, uint64_t* object_id);
  // The digital tenge (engine_money.cpp): a group of money commands (one command, or parts then the command
  // they complete) applied whole; events only on success.
  void apply_money_group(std::span<const Command> group, uint32_t first_index, uint64_t block_time_ns,
                         std::vector<Event>* events);
  Result apply_money(std::span<const Command> group, uint32_t first_index, uint64_t block_time_ns,
                     std::vector<Event>* events, uint64_t* object_id);
  Result apply_pay(const Command& command, uint32_t index, uint64_t block_time_ns, std::vector<Event>* events);
  Result open_money_account(uint64_t owner, AccountKind kind, uint32_t index, std::vector<Event>* events,
                            uint64_t* account_id);
  Result run_plan(Result decided, uint32_t index, std::vector<Event>* events);
  void emit_plan(const Plan& plan, uint32_t index, const TransferDone* posted, std::vector<Event>* events) const;
  void begin_money_block(uint64_t block_time_ns, std::vector<Event>* events);
  // True for the accounts only the book may move: the central bank's issuance account and program escrows.
  bool money_only(uint64_t account) const;
  std::string money_problem() const;

  // The ledger asks it before every debit: money leaves a customer account only if its owner may move it.
  class ClientGate final : public DebitGate {
   public:
    ClientGate(const ClientRegistry* clients, const std::unique_ptr<MoneyBook>* money)
        : clients_(clients), money_(money) {}
    // A customer account is its owner's; an account of another kind is a client's only when the registry knows
    // its owner (an escrow the operator opened for a registered client). Venue accounts belong to no client.
    // The digital tenge's issuance and escrow accounts are never gated: expiry and returns must not stop.
    Result check_debit(const Account& account) const override {
      if (account.kind == AccountKind::customer) return clients_->movable(account.owner);
      if (*money_ != nullptr && account.asset == (*money_)->asset() &&
          (account.kind == AccountKind::issuance || account.kind == AccountKind::escrow)) {
        return Result::ok;
      }
      return clients_->find(account.owner) == nullptr ? Result::ok : clients_->movable(account.owner);
    }

   private:
    const ClientRegistry* clients_;
    const std::unique_ptr<MoneyBook>* money_;
  };

  Ledger ledger_;
  RequestTable requests_;
  ClientRegistry clients_;
  std::unique_ptr<MoneyBook> money_;
  ClientGate client_gate_{&clients_, &money_};
  ConversionRates rates_;
  ClientLimits limits_;
  Exchange exchange_;
  uint64_t next_height_ = 0;
  uint64_t last_time_ns_ = 0;
  // The block being applied in parts (begin_block .. end_block).
  bool block_open_ = false;
  bool block_part_open_group_ = false;  // the last part ended inside a linked group
  uint64_t block_time_ns_ = 0;
  size_t block_commands_ = 0;  // applied so far: the next part's first command index
  uint32_t rules_version_ = 1;
  std::vector<HoldReleased> expired_scratch_;
  std::vector<uint64_t> group_objects_;
  uint64_t exchange_venue_wallet_ = 0;   // the exchange link (set_exchange_link); 0 = none
  uint64_t exchange_tenge_account_ = 0;
  Plan money_plan_;
  std::vector<Plan> money_plans_;
  std::vector<TransferDone> money_posted_;
};

}  // namespace qz
