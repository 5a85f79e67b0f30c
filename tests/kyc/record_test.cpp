// The client record's JSON decoder (kyc/record.h): a rule table of refusals, each naming its field, in the order
// a reader meets them; round trips through the canonical form; countries and dates at their edges.
#include "kyc/record.h"

#include <gtest/gtest.h>

#include <string>

namespace qz::kyc {
namespace {

constexpr char kPerson[] =
    R"({"id":1001,"kind":"person","name":{"latin":"Aigerim Serikova","original":"Айгерим Серикова"},)"
    R"("date_of_birth":"1990-03-04","nationality":"KZ","residence":"KZ",)"
    R"("document":{"type":"passport","number":"N1234567","country":"KZ"},)"
    R"("address":{"street":"Mangilik El 55","city":"Astana","postcode":"010000","country":"KZ"},)"
    R"("class":"retail","kyc_tier":1,"knowledge_test":false})";

constexpr char kCompany[] =
    R"({"id":2001,"kind":"company","name":{"latin":"Steppe Trade LLP","original":"ТОО Степь Трейд"},)"
    R"("nationality":"KZ","residence":"KZ","registration_number":"180140012345",)"
    R"("address":{"street":"Dostyk 5","city":"Almaty","country":"KZ"},)"
    R"("beneficial_owners":[{"name":{"latin":"Bauyrzhan Dosmukhamedov"},"date_of_birth":"1975-06-30",)"
    R"("nationality":"KZ","share_percent":"66.67"},{"name":{"latin":"Anna Ivanova","original":"Анна Иванова"},)"
    R"("date_of_birth":"1980-01-31","nationality":"RU","share_percent":33}],)"
    R"("class":"professional","kyc_tier":3,"knowledge_test":true})";

// Replaces the first occurrence of `from` in `text`.
std::string with(std::string text, const std::string& from, const std::string& to) {
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(ClientRecord, ReadsAPerson) {
  ClientRecord record;
  ASSERT_TRUE(parse_client_record(kPerson, &record).is_ok());
  EXPECT_EQ(record.id, 1001u);
  EXPECT_EQ(record.kind, ClientKind::person);
  EXPECT_EQ(record.name.latin, "Aigerim Serikova");
  EXPECT_EQ(record.name.original, "Айгерим Серикова");
  EXPECT_EQ(record.date_of_birth, "1990-03-04");
  EXPECT_EQ(record.document.type, DocumentType::passport);
  EXPECT_EQ(record.document.number, "N1234567");
  EXPECT_EQ(record.address.postcode, "010000");
  EXPECT_EQ(record.classification, ClientClass::retail);
  EXPECT_EQ(record.kyc_tier, 1u);
  EXPECT_FALSE(record.knowledge_test);
  const ClientFacts facts = client_facts(record);
  EXPECT_EQ(std::string(facts.residence, 2), "KZ");
  EXPECT_EQ(std::string(facts.nationality, 2), "KZ");
  EXPECT_EQ(facts.kyc_tier, 1u);
}

TEST(ClientRecord, ReadsACompanyWithOwners) {
  ClientRecord record;
  ASSERT_TRUE(parse_client_record(kCompany, &record).is_ok());
  EXPECT_EQ(record.kind, ClientKind::company);
  EXPECT_EQ(record.registration_number, "180140012345");
  ASSERT_EQ(record.owners.size(), 2u);
  EXPECT_EQ(record.owners[0].share_hundredths, 6667u);
  EXPECT_EQ(record.owners[1].share_hundredths, 3300u);
  EXPECT_EQ(record.owners[1].name.original, "Анна Иванова");
  EXPECT_EQ(record.classification, ClientClass::professional);
  EXPECT_TRUE(record.knowledge_test);
}

TEST(ClientRecord, CanonicalFormRoundTrips) {
  for (const char* text : {kPerson, kCompany}) {
    ClientRecord record;
    ASSERT_TRUE(parse_client_record(text, &record).is_ok());
    const std::string canonical = client_record_json(record);
    ClientRecord again;
    const Status status = parse_client_record(canonical, &again);
    ASSERT_TRUE(status.is_ok()) << status.message() << "\n" << canonical;
    EXPECT_EQ(again, record);
    EXPECT_EQ(client_record_json(again), canonical);
  }
  // Key order and whitespace do not matter; shares are written with two decimals.
  ClientRecord record;
  ASSERT_TRUE(parse_client_record(kCompany, &record).is_ok());
  EXPECT_NE(client_record_json(record).find(R"("share_percent":"33.00")"), std::string::npos);
}

struct Refusal {
  const char* rule;
  std::string json;
  const char* message;  // a part of the error
};

TEST(ClientRecord, RefusalsNameTheField) {
  const std::string person = kPerson;
  const std::string company = kCompany;
  const Refusal table[] = {
      {"not JSON", "{", "client record: not valid JSON"},
      {"not an object", "[1]", "client record: must be a JSON object"},
      {"unknown field", with(person, R"("kind")", R"("colour":"red","kind")"), "colour: unknown field"},
      {"repeated field", with(person, R"("kind")", R"("kyc_tier":2,"kind")"), "kyc_tier: repeated field"},
      {"id zero", with(person, "1001", "0"), "id: must be a whole number from 1"},
      {"id negative", with(person, "1001", "-5"), "id: must be a whole number"},
      {"id a string", with(person, "1001", "\"1001\""), "id: must be a whole number"},
      {"kind unknown", with(person, "\"person\"", "\"trust\""), "kind: must be person or company"},
      {"name without latin", with(person, R"({"latin":"Aigerim Serikova",)", "{"), "name.latin: is required"},
      {"latin name in Cyrillic", with(person, "Aigerim Serikova", "Айгерим"), "name.latin: must be written in Latin"},
      {"latin name empty", with(person, "Aigerim Serikova", "  "), "name.latin: must not be empty"},
      {"latin name without a letter", with(person, "Aigerim Serikova", "12 34"), "name.latin: must hold a Latin"},
      {"latin name too long", with(person, "Aigerim Serikova", std::string(201, 'a')),
       "name.latin: longer than 200 characters"},
      {"original with a control character", with(person, "Айгерим Серикова", "Ай\\u0001"),
       "name.original: must not hold control characters"},
      {"unknown name field", with(person, R"("original")", R"("nick":"A","original")"), "name.nick: unknown field"},
      {"date malformed", with(person, "1990-03-04", "04.03.1990"), "date_of_birth: must be a date YYYY-MM-DD"},
      {"date impossible", with(person, "1990-03-04", "1990-02-29"), "date_of_birth: must be a date"},
      {"date before 1900", with(person, "1990-03-04", "1899-12-31"), "date_of_birth: must be a date"},
      {"nationality lower case", with(person, R"("nationality":"KZ")", R"("nationality":"kz")"),
       "nationality: must be an assigned ISO 3166-1 alpha-2"},
      {"nationality unassigned", with(person, R"("nationality":"KZ")", R"("nationality":"ZZ")"),
       "nationality: must be an assigned"},
      {"residence a number", with(person, R"("residence":"KZ")", R"("residence":7)"), "residence: must be a string"},
      {"document type unknown", with(person, "\"passport\"", "\"visa\""), "document.type: must be passport"},
      {"document number symbols", with(person, "N1234567", "N12#4"), "document.number: may hold only"},
      {"document without country", with(person, R"(,"country":"KZ"},"address")", R"(},"address")"),
       "document.country: is required"},
      {"address without city", with(person, R"("city":"Astana",)", ""), "address.city: is required"},
      {"address country unassigned", with(person, R"("postcode":"010000","country":"KZ")",
                                          R"("postcode":"010000","country":"XX")"),
       "address.country: must be an assigned"},
      {"class unknown", with(person, "\"retail\"", "\"vip\""), "class: must be retail or professional"},
      {"tier above 3", with(person, R"("kyc_tier":1)", R"("kyc_tier":4)"), "kyc_tier: must be a whole number from 0 to 3"},
      {"knowledge test a string", with(person, "false", "\"no\""), "knowledge_test: must be true or false"},
      {"missing residence", with(person, R"("residence":"KZ",)", ""), "residence: is required"},
      {"person without date of birth", with(person, R"("date_of_birth":"1990-03-04",)", ""),
       "date_of_birth: is required"},
      {"person without document", with(person, R"("document":{"type":"passport","number":"N1234567","country":"KZ"},)", ""),
       "document: is required"},
      {"person with owners", with(person, R"("class")", R"("beneficial_owners":[],"class")"),
       "beneficial_owners: are for companies only"},
      {"company without owners", with(company, "\"beneficial_owners\"", "\"x_owners\""), "x_owners: unknown field"},
      {"company with an empty owner list",
       with(company, company.substr(company.find("[{\"name\":{\"latin\":\"Bauyrzhan"),
                                    company.find("],\"class\"") + 1 - company.find("[{\"name\":{\"latin\":\"Bauyrzhan")),
            "[]"),
       "beneficial_owners: a company needs at least one beneficial owner"},
      {"company with a date of birth", with(company, R"("nationality":"KZ","residence")",
                                            R"("date_of_birth":"1990-01-01","nationality":"KZ","residence")"),
       "date_of_birth: is for persons only"},
      {"company without registration number", with(company, R"("registration_number":"180140012345",)", ""),
       "registration_number: is required"},
      {"owner share zero", with(company, "\"66.67\"", "\"0\""), "beneficial_owners[0].share_percent: must be above 0"},
      {"owner share three decimals", with(company, "\"66.67\"", "\"66.667\""),
       "beneficial_owners[0].share_percent: must be a percentage"},
      {"owner share a fraction number", with(company, "\"66.67\"", "66.67"),
       "beneficial_owners[0].share_percent: must be a whole number or a decimal string"},
      {"owner share above 100", with(company, "33}", "101}"), "beneficial_owners[1].share_percent: must be above 0"},
      {"shares above 100 in sum", with(company, "\"66.67\"", "\"67.01\""),
       "beneficial_owners: the shares sum to more than 100 percent"},
      {"owner without date of birth", with(company, R"("date_of_birth":"1975-06-30",)", ""),
       "beneficial_owners[0].date_of_birth: is required"},
      {"owner nationality unassigned", with(company, R"("nationality":"RU")", R"("nationality":"SU")"),
       "beneficial_owners[1].nationality: must be an assigned"},
      {"owners not an array", with(company, company.substr(company.find("[{\"name\":{\"latin\":\"Bauyrzhan"),
                                                            company.find("],\"class\"") + 1 -
                                                                company.find("[{\"name\":{\"latin\":\"Bauyrzhan")),
                                   "{}"),
       "beneficial_owners: must be an array"},
      {"record too large", std::string(kMaxRecordBytes + 1, ' '), "client record: larger than 65536 bytes"},
  };
  for (const Refusal& refusal : table) {
    ClientRecord record;
    const Status status = parse_client_record(refusal.json, &record);
    ASSERT_FALSE(status.is_ok()) << refusal.rule;
    EXPECT_NE(status.message().find(refusal.message), std::string::npos)
        << refusal.rule << ": " << status.message();
    EXPECT_EQ(status.message().rfind("client record: ", 0), 0u) << refusal.rule;
    EXPECT_EQ(record, ClientRecord{}) << refusal.rule << ": a refused record is left empty";
  }
}

TEST(ClientRecord, CountriesAndDatesAtTheirEdges) {
  size_t assigned = 0;
  for (char a = 'A'; a <= 'Z'; a++) {
    for (char b = 'A'; b <= 'Z'; b++) {
      const char code[2] = {a, b};
      if (country_code_assigned(std::string_view(code, 2))) assigned++;
    }
  }
  EXPECT_EQ(assigned, 250u);  // 249 assigned and XK
  for (const char* code : {"KZ", "RU", "GB", "US", "XK", "AX", "ZW"}) EXPECT_TRUE(country_code_assigned(code)) << code;
  for (const char* code : {"UK", "SU", "EU", "kz", "K", "KZZ", ""}) EXPECT_FALSE(country_code_assigned(code)) << code;
  EXPECT_TRUE(calendar_date_valid("2000-02-29"));
  EXPECT_FALSE(calendar_date_valid("1900-02-29"));
  EXPECT_TRUE(calendar_date_valid("2024-02-29"));
  EXPECT_FALSE(calendar_date_valid("2023-02-29"));
  EXPECT_TRUE(calendar_date_valid("1900-01-01"));
  EXPECT_TRUE(calendar_date_valid("2099-12-31"));
  EXPECT_FALSE(calendar_date_valid("2100-01-01"));
  EXPECT_FALSE(calendar_date_valid("2001-04-31"));
  EXPECT_FALSE(calendar_date_valid("2001-13-01"));
  EXPECT_FALSE(calendar_date_valid("2001-1-01"));
}

TEST(ClientRecord, ScreenedNamesDiffer) {
  ClientRecord before;
  ASSERT_TRUE(parse_client_record(kCompany, &before).is_ok());
  ClientRecord after = before;
  after.address.street = "Dostyk 7";
  after.kyc_tier = 2;
  after.owners[0].share_hundredths = 5000;
  EXPECT_FALSE(screened_names_differ(before, after)) << "address, tier and shares are not names";
  after.name.original = "ТОО Дала Трейд";
  EXPECT_TRUE(screened_names_differ(before, after));
  after = before;
  after.owners[1].date_of_birth = "1981-01-31";
  EXPECT_TRUE(screened_names_differ(before, after)) << "an owner's evidence changes its screening";
  after = before;
  after.owners.pop_back();
  EXPECT_TRUE(screened_names_differ(before, after));
}

}  // namespace
}  // namespace qz::kyc
