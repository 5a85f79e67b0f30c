#include "kyc/render.h"

#include "json/writer.h"

namespace qz::kyc {

namespace {

void hit_json(json::Writer* json, const ScreeningHit& h) {
  json->begin_object()
      .field("subject", h.subject)
      .field("query", h.query.name)
      .field("list", h.hit.list_id)
      .field("uid", h.hit.uid)
      .field("type", screening::entry_type_name(h.hit.type))
      .field("primary_name", h.hit.primary_name)
      .field("matched_name", h.hit.matched_name)
      .field("matched_kind", screening::name_kind_name(h.hit.matched_kind))
      .field("score", h.hit.score)
      .field("name_score", h.hit.name_score)
      .key("explanation")
      .raw(hit_explanation_json(h.hit))
      .end_object();
}

void core_json(json::Writer* json, const CoreClient& core) {
  json->key("status");
  if (core.registered) {
    json->value(client_status_name(core.status));
  } else {
    json->null();
  }
  json->key("reason");
  if (core.registered) {
    json->value(client_status_reason_name(core.reason));
  } else {
    json->null();
  }
}

std::string status_text(const CoreClient& core) {
  if (!core.registered) return "not registered in the journal";
  return std::string(client_status_name(core.status)) + " (" + client_status_reason_name(core.reason) + ")";
}

}  // namespace

Status load_client_view(ClientStore* store, Core* core, uint64_t client, bool* found, ClientView* out) {
  *out = ClientView{};
  QZ_TRY(store->current(client, found, &out->current));
  if (!*found) return Status::ok();
  QZ_TRY(store->versions(client, &out->versions));
  QZ_TRY(store->screenings(client, &out->screenings));
  QZ_TRY(store->holds(client, &out->holds));
  QZ_TRY(store->actions(client, &out->actions));
  out->core = core->client(client);
  return Status::ok();
}

std::string hold_summary(const ClientView& view) {
  std::string state = "none";
  for (const Hold& hold : view.holds) {
    if (hold.state == HoldState::open) return "open";
    if (hold.state == HoldState::confirmed) state = "confirmed";
    if (hold.state == HoldState::cleared && state == "none") state = "cleared";
  }
  return state;
}

std::string client_view_json(const ClientView& v) {
  json::Writer json;
  json.begin_object().field("client", v.current.client).field("version", v.current.version);
  core_json(&json, v.core);
  json.field("hold", hold_summary(v)).key("record").raw(client_record_json(v.current.record));
  json.key("versions").begin_array();
  for (const RecordVersion& version : v.versions) {
    json.begin_object()
        .field("version", version.version)
        .field("time", format_time_utc(version.at_ns))
        .field("by", version.officer)
        .field("change", version.change)
        .end_object();
  }
  json.end_array().key("screenings").begin_array();
  for (const Screening& s : v.screenings) {
    json.begin_object()
        .field("screening", s.id)
        .field("trigger", s.trigger)
        .field("time", format_time_utc(s.at_ns))
        .field("by", s.officer)
        .field("record_version", s.version)
        .field("lists", s.lists)
        .field("scope", s.scope)
        .field("threshold", s.threshold)
        .field("queries", s.queries)
        .field("hold", s.hold_id)
        .key("hits")
        .begin_array();
    for (const ScreeningHit& h : s.hits) hit_json(&json, h);
    json.end_array().end_object();
  }
  json.end_array().key("holds").begin_array();
  for (const Hold& h : v.holds) {
    json.begin_object()
        .field("hold", h.id)
        .field("state", hold_state_name(h.state))
        .field("opened_at", format_time_utc(h.opened_at_ns))
        .field("opened_by", h.opened_by)
        .field("froze", h.froze);
    if (h.state != HoldState::open) {
      json.field("closed_at", format_time_utc(h.closed_at_ns)).field("closed_by", h.closed_by).field("text", h.text);
    }
    if (h.state == HoldState::confirmed) json.field("entry", h.entry_list + ":" + h.entry_uid);
    json.end_object();
  }
  json.end_array().key("actions").begin_array();
  for (const Action& a : v.actions) {
    json.begin_object()
        .field("seq", a.seq)
        .field("time", format_time_utc(a.at_ns))
        .field("by", a.officer)
        .field("action", a.action)
        .field("value", a.value)
        .field("text", a.text)
        .end_object();
  }
  json.end_array().end_object();
  return json.take();
}

std::string client_view_text(const ClientView& v) {
  const ClientRecord& r = v.current.record;
  std::string out = "client " + std::to_string(r.id) + "  " + client_kind_name(r.kind) + "  " + r.name.latin +
                    (r.name.original.empty() ? "" : " / " + r.name.original) + "\n";
  out += "  journal:   " + status_text(v.core) + "\n";
  out += "  hold:      " + hold_summary(v) + "\n";
  out += "  record:    version " + std::to_string(v.current.version) + ", " + format_time_utc(v.current.at_ns) +
         " by " + v.current.officer + "\n";
  if (r.kind == ClientKind::person) {
    out += "  born:      " + r.date_of_birth + ", nationality " + r.nationality + ", residence " + r.residence + "\n";
    out += "  document:  " + std::string(document_type_name(r.document.type)) + " " + r.document.number + " (" +
           r.document.country + ")\n";
  } else {
    out += "  company:   registration " + r.registration_number + " in " + r.nationality + ", residence " +
           r.residence + "\n";
    for (size_t i = 0; i < r.owners.size(); i++) {
      const BeneficialOwner& o = r.owners[i];
      const std::string share = std::to_string(o.share_hundredths / 100) + "." +
                                (o.share_hundredths % 100 < 10 ? "0" : "") + std::to_string(o.share_hundredths % 100);
      out += "  owner " + std::to_string(i + 1) + ":   " + o.name.latin +
             (o.name.original.empty() ? "" : " / " + o.name.original) + ", born " + o.date_of_birth + ", " +
             o.nationality + ", " + share + " %\n";
    }
  }
  out += "  address:   " + r.address.street + ", " + r.address.city +
         (r.address.postcode.empty() ? "" : " " + r.address.postcode) + ", " + r.address.country + "\n";
  out += "  facts:     " + std::string(client_class_name(r.classification)) + ", KYC tier " +
         std::to_string(r.kyc_tier) + ", knowledge test " + (r.knowledge_test ? "passed" : "not passed") + "\n";
  out += "screenings:\n";
  for (const Screening& s : v.screenings) {
    out += "  " + std::to_string(s.id) + "  " + format_time_utc(s.at_ns) + "  " + s.trigger + " of version " +
           std::to_string(s.version) + ", " + std::to_string(s.queries) + " names, " + std::to_string(s.hits.size()) +
           " hits at " + std::to_string(s.threshold) + "+" + (s.hold_id == 0 ? "" : ", hold " + std::to_string(s.hold_id)) +
           "\n    lists " + s.lists + "; " + s.scope + "\n";
    for (const ScreeningHit& h : s.hits) {
      out += "    score " + std::to_string(h.hit.score) + "  " + h.hit.list_id + " " + h.hit.uid + "  " +
             (h.hit.primary_name.empty() ? h.hit.matched_name : h.hit.primary_name) + "  (" + h.subject + " \"" +
             h.query.name + "\")\n";
      std::string pairs;
      for (const screening::TokenMatch& m : h.hit.tokens) {
        pairs += (pairs.empty() ? "" : ", ") + m.query + (m.how == screening::MatchHow::exact ? " = " : " ~ ") +
                 m.listed + " (" + screening::match_how_name(m.how) + " " + std::to_string(m.similarity) + ")";
      }
      out += "      matched " + std::string(screening::name_kind_name(h.hit.matched_kind)) + " \"" +
             h.hit.matched_name + "\": " + pairs + "\n";
      for (const std::string& line : h.hit.evidence) out += "      " + line + "\n";
    }
  }
  out += "holds:\n";
  for (const Hold& h : v.holds) {
    out += "  " + std::to_string(h.id) + "  " + hold_state_name(h.state) + ", opened " +
           format_time_utc(h.opened_at_ns) + " by " + h.opened_by + (h.froze ? " (froze the client)" : "");
    if (h.state != HoldState::open) out += "; " + std::string(hold_state_name(h.state)) + " " + format_time_utc(h.closed_at_ns) + " by " + h.closed_by;
    if (h.state == HoldState::confirmed) out += " as " + h.entry_list + ":" + h.entry_uid;
    out += "\n";
  }
  out += "actions:\n";
  for (const Action& a : v.actions) {
    out += "  " + format_time_utc(a.at_ns) + "  " + a.officer + "  " + a.action + " " + a.value +
           (a.text.empty() ? "" : ": " + a.text) + "\n";
  }
  return out;
}

std::string client_summary_json(const ClientView& v) {
  json::Writer json;
  json.begin_object()
      .field("client", v.current.client)
      .field("kind", client_kind_name(v.current.record.kind))
      .field("name", v.current.record.name.latin)
      .field("version", v.current.version);
  core_json(&json, v.core);
  json.field("hold", hold_summary(v)).end_object();
  return json.take();
}

std::string client_summary_text(const ClientView& v) {
  return "client " + std::to_string(v.current.client) + "  " + client_kind_name(v.current.record.kind) + "  " +
         v.current.record.name.latin + "  version " + std::to_string(v.current.version) + "  " + status_text(v.core) +
         "  hold " + hold_summary(v) + "\n";
}

}  // namespace qz::kyc
