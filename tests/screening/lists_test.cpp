// The list loaders: against the real files in ../shared/data/sanctions (the README's counts; skipped when
// ../shared is absent), the operator CSV format, the remarks parsing, and malformed input of every format giving
// an error that names the file and line with nothing half loaded.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "screening/internal/csv.h"
#include "screening/internal/xml.h"
#include "screening/lists.h"

namespace qz::screening {
namespace {

std::string sanctions_dir() {
  const char* env = std::getenv("QZ_SHARED");
  return std::string(env != nullptr ? env : "../shared") + "/data/sanctions";
}

size_t csv_records(const std::string& path) {
  std::string text;
  EXPECT_TRUE(read_file(path, &text).is_ok()) << path;
  internal::CsvReader reader(text, path);
  std::vector<std::string> fields;
  size_t line = 0;
  size_t count = 0;
  while (reader.next(&fields, &line)) count++;
  EXPECT_TRUE(reader.status().is_ok()) << reader.status().message();
  return count;
}

std::map<EntryType, size_t> types_of(const SanctionsList& list) {
  std::map<EntryType, size_t> types;
  for (const ListEntry& entry : list.entries) types[entry.type]++;
  return types;
}

const ListEntry* find_entry(const SanctionsList& list, const std::string& uid) {
  for (const ListEntry& entry : list.entries) {
    if (entry.uid == uid) return &entry;
  }
  return nullptr;
}

#define REQUIRE_SHARED() \
  if (!std::filesystem::exists(sanctions_dir())) GTEST_SKIP() << "no " << sanctions_dir()

TEST(RealLists, OfacSdn2021MatchesTheReadme) {
  REQUIRE_SHARED();
  const std::string dir = sanctions_dir() + "/ofac_sdn_2021-07";
  // Raw rows, as the README counts them (the 0x1A line is not a row).
  EXPECT_EQ(csv_records(dir + "/sdn.csv"), 8'976u);
  EXPECT_EQ(csv_records(dir + "/alt.csv"), 11'910u);
  EXPECT_EQ(csv_records(dir + "/add.csv"), 13'837u);
  EXPECT_EQ(csv_records(dir + "/sdn_comments.csv"), 5u);

  SanctionsList list;
  ASSERT_TRUE(load_ofac_dir(dir, &list).is_ok());
  EXPECT_EQ(list.id, "ofac_sdn_2021-07");
  EXPECT_EQ(list.format, "ofac_sdn");
  const std::map<EntryType, size_t> types = types_of(list);
  EXPECT_EQ(types.at(EntryType::individual), 4'620u);
  EXPECT_EQ(types.at(EntryType::entity), 3'673u);
  EXPECT_EQ(types.at(EntryType::vessel), 406u);
  EXPECT_EQ(types.at(EntryType::aircraft), 277u);
  const ListCounts counts = count_list(list);
  EXPECT_EQ(counts.entries, 8'976u);
  EXPECT_EQ(counts.aliases, 11'904u);  // 11,910 alt.csv rows, 6 of them repeating a name the entry already has
  // 2,415 a.k.a.s in sdn.csv's Remarks (the README's count), 2 more in sdn_comments.csv, and 24 f.k.a.s.
  EXPECT_EQ(counts.weak_aliases, 2'441u);
  EXPECT_EQ(counts.names, 8'976u + 11'904u + 2'441u);

  // Remarks cut at 1000 characters continue in sdn_comments.csv, joined without a separator.
  const ListEntry* cut = find_entry(list, "28263");
  ASSERT_NE(cut, nullptr);
  EXPECT_GT(cut->remarks.size(), 1'000u);
  EXPECT_NE(cut->remarks.find("Linked To: LAZARUS GROUP."), std::string::npos);

  const ListEntry* maduro = find_entry(list, "22790");
  ASSERT_NE(maduro, nullptr);
  EXPECT_EQ(maduro->names[0].text, "MADURO MOROS, Nicolas");
  EXPECT_EQ(maduro->birth_dates, (std::vector<DateRange>{{19621123, 19621123}}));
  EXPECT_EQ(maduro->countries, (std::vector<std::string>{"VE"}));
  EXPECT_EQ(maduro->programs, (std::vector<std::string>{"VENEZUELA", "IRAN-CON-ARMS-EO"}));

  const ListEntry* morales = find_entry(list, "10941");  // a.k.a. 'MARIA OFELIA' in Remarks
  ASSERT_NE(morales, nullptr);
  bool weak = false;
  for (const EntryName& name : morales->names)
    weak = weak || (name.text == "MARIA OFELIA" && name.kind == NameKind::weak_alias);
  EXPECT_TRUE(weak);
}

TEST(RealLists, OfacConsolidatedMatchesTheReadme) {
  REQUIRE_SHARED();
  const std::string dir = sanctions_dir() + "/ofac_cons_nonsdn_2025-12";
  EXPECT_EQ(csv_records(dir + "/cons_alt.csv"), 1'073u);
  EXPECT_EQ(csv_records(dir + "/cons_add.csv"), 574u);
  EXPECT_EQ(csv_records(dir + "/cons_comments.csv"), 10u);
  SanctionsList list;
  ASSERT_TRUE(load_ofac_dir(dir, &list).is_ok());
  EXPECT_EQ(list.format, "ofac_cons");
  const std::map<EntryType, size_t> types = types_of(list);
  EXPECT_EQ(list.entries.size(), 442u);
  EXPECT_EQ(types.at(EntryType::individual), 79u);
  EXPECT_EQ(types.at(EntryType::entity), 363u);
  const ListCounts counts = count_list(list);
  EXPECT_EQ(counts.aliases, 1'071u);    // 1,073 rows, 2 repeating a name
  EXPECT_EQ(counts.weak_aliases, 72u);  // 65 a.k.a. + 3 f.k.a. in cons_prim.csv, 4 a.k.a. in cons_comments.csv
}

TEST(RealLists, UnConsolidatedMatchesTheReadme) {
  REQUIRE_SHARED();
  const std::string path = sanctions_dir() + "/un_consolidated_2026-02-27/consolidated.xml";
  // The alias qualities, straight from the XML reader.
  std::string text;
  ASSERT_TRUE(read_file(path, &text).is_ok());
  internal::XmlElement root;
  ASSERT_TRUE(internal::parse_xml(text, "consolidated.xml", &root).is_ok());
  std::map<std::string, size_t> qualities;
  size_t original_script = 0;
  for (const internal::XmlElement& individual : root.children[0].children) {
    if (!individual.child_text("NAME_ORIGINAL_SCRIPT").empty()) original_script++;
    for (const internal::XmlElement& child : individual.children) {
      if (child.name == "INDIVIDUAL_ALIAS") qualities[child.child_text("QUALITY")]++;
    }
  }
  EXPECT_EQ(qualities["Good"], 1'524u);
  EXPECT_EQ(qualities["Low"], 615u);
  EXPECT_EQ(qualities[""], 169u);
  EXPECT_EQ(original_script, 336u);

  SanctionsList list;
  ASSERT_TRUE(load_un_xml(path, "un", &list).is_ok());
  const std::map<EntryType, size_t> types = types_of(list);
  EXPECT_EQ(types.at(EntryType::individual), 730u);
  EXPECT_EQ(types.at(EntryType::entity), 273u);
  size_t weak = 0;
  for (const ListEntry& entry : list.entries) {
    for (const EntryName& name : entry.names)
      weak += entry.type == EntryType::individual && name.kind == NameKind::weak_alias;
  }
  EXPECT_EQ(weak, 615u);  // Low-quality aliases are weak
  std::map<std::string, size_t> list_types;
  for (const ListEntry& entry : list.entries) list_types[entry.programs.at(0)]++;
  EXPECT_EQ(list_types["Al-Qaida"], 341u);
  EXPECT_EQ(list_types["DPRK"], 155u);
  EXPECT_EQ(list_types["Taliban"], 140u);

  const ListEntry* abu_ghaith = find_entry(list, "QDi.154");
  ASSERT_NE(abu_ghaith, nullptr);
  EXPECT_EQ(abu_ghaith->names[0].text, "SULAIMAN JASSEM SULAIMAN ALI ABO GHAITH");
  EXPECT_EQ(abu_ghaith->names[1].kind, NameKind::original_script);
}

TEST(RealLists, DirectorySkipsThePartialFolderUnlessAskedForAliasOnly) {
  REQUIRE_SHARED();
  std::vector<SanctionsList> lists;
  std::vector<std::string> skipped;
  ASSERT_TRUE(load_directory(sanctions_dir(), DirectoryOptions{}, &lists, &skipped).is_ok());
  std::vector<std::string> ids;
  for (const SanctionsList& list : lists) ids.push_back(list.id);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"ofac_cons_nonsdn_2025-12", "ofac_sdn_2021-07", "un_consolidated_2026-02-27"}));
  ASSERT_EQ(skipped.size(), 1u);
  EXPECT_NE(skipped[0].find("ofac_sdn_2025-12_partial"), std::string::npos);

  DirectoryOptions alias_only;
  alias_only.alias_only_partial = true;
  ASSERT_TRUE(load_directory(sanctions_dir(), alias_only, &lists).is_ok());
  ASSERT_EQ(lists.size(), 4u);
  const SanctionsList& partial = lists[2];
  EXPECT_EQ(partial.id, "ofac_sdn_2025-12_partial");
  EXPECT_EQ(partial.format, "ofac_alias_only");
  EXPECT_EQ(count_list(partial).names, 20'107u);  // every alt.csv row; no primary names
  for (const ListEntry& entry : partial.entries) ASSERT_NE(entry.names.at(0).kind, NameKind::primary);
}

// ---- operator CSV ----

TEST(OperatorCsv, ReadsEveryColumnInAnyOrder) {
  const std::string text =
      "list,uid,name,type,dob,country,aliases,weak_aliases\r\n"
      "KZ-PEP,kz-1,Асқар Жұмабайұлы Мамин,individual,1965-10-23;1965,KZ,Askar Mamin;Аскар Мамин,Mamin A.\r\n"
      "AFM,kz-2,\"Alpha Trade, TOO\",entity,,Kazakhstan,,\r\n";
  SanctionsList list;
  ASSERT_TRUE(parse_operator_csv(text, "pep.csv", "kz_pep", &list).is_ok());
  EXPECT_EQ(list.id, "kz_pep");
  EXPECT_EQ(list.format, "operator_csv");
  ASSERT_EQ(list.entries.size(), 2u);
  const ListEntry& mamin = list.entries[0];
  EXPECT_EQ(mamin.uid, "kz-1");
  EXPECT_EQ(mamin.type, EntryType::individual);
  EXPECT_EQ(mamin.names.size(), 4u);
  EXPECT_EQ(mamin.names[1].text, "Askar Mamin");
  EXPECT_EQ(mamin.names[3].kind, NameKind::weak_alias);
  EXPECT_EQ(mamin.birth_dates, (std::vector<DateRange>{{19650101, 19651231}, {19651023, 19651023}}));
  EXPECT_EQ(mamin.countries, (std::vector<std::string>{"KZ"}));
  EXPECT_EQ(mamin.programs, (std::vector<std::string>{"KZ-PEP"}));
  EXPECT_EQ(list.entries[1].names[0].text, "Alpha Trade, TOO");
  EXPECT_EQ(list.entries[1].type, EntryType::entity);
  EXPECT_EQ(list.entries[1].countries, (std::vector<std::string>{"KZ"}));
}

TEST(OperatorCsv, MalformedInputNamesFileAndLineAndLoadsNothing) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"", "pep.csv:1: empty file: expected a header row (uid,name,...)"},
      {"uid,name,nick\n",
       "pep.csv:1: unknown column 'nick' (columns: uid, name, type, dob, country, aliases, "
       "weak_aliases, list)"},
      {"uid,uid,name\n", "pep.csv:1: column 'uid' twice"},
      {"name,type\n", "pep.csv:1: the header must name the columns uid and name"},
      {"uid,name\n1,A\n2\n", "pep.csv:3: expected 2 fields, found 1"},
      {"uid,name\n1,A\n1,B\n", "pep.csv:3: uid '1' appears twice"},
      {"uid,name\n,A\n", "pep.csv:2: empty uid"},
      {"uid,name\n1,\n", "pep.csv:2: empty name"},
      {"uid,name,type\n1,A,person\n2,B,ship\n",
       "pep.csv:3: unknown type 'ship' (individual, entity, vessel or aircraft)"},
      {"uid,name,dob\n1,A,23.10.1965\n", "pep.csv:2: dob '23.10.1965' is not YYYY, YYYY-MM or YYYY-MM-DD"},
      {"uid,name,dob\n1,A,1965-02-30\n", "pep.csv:2: dob '1965-02-30' is not YYYY, YYYY-MM or YYYY-MM-DD"},
      {"uid,name,country\n1,A,Atlantis\n", "pep.csv:2: unknown country 'Atlantis'"},
      {"uid,name\n1,\"A\n", "pep.csv:2: unterminated quoted field"},
      {"uid,name\n1,A\n2,\xC3\x28\n", "pep.csv:3: not valid UTF-8"},
  };
  for (const Case& c : cases) {
    SanctionsList list;
    list.entries.push_back(ListEntry());  // a failed load leaves the output exactly as it was
    const Status status = parse_operator_csv(c.text, "pep.csv", "pep", &list);
    ASSERT_FALSE(status.is_ok()) << c.text;
    EXPECT_EQ(status.message(), c.message);
    EXPECT_EQ(list.entries.size(), 1u) << "a failed load leaves the output untouched";
  }
}

// ---- OFAC ----

OfacFiles ofac(std::string primary, std::string aliases = "", std::string addresses = "", std::string comments = "") {
  OfacFiles files;
  files.primary = std::move(primary);
  files.aliases = std::move(aliases);
  files.addresses = std::move(addresses);
  files.comments = std::move(comments);
  return files;
}

TEST(OfacCsv, ParsesRemarksAliasesAddressesAndNulls) {
  const OfacFiles files = ofac(
      "10,\"DOE, John\",\"individual\",\"SDGT] [IRAN\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,"
      "\"DOB 05 Nov 1980; alt. DOB circa 1975; POB Tehran, Iran; nationality Iraq; a.k.a. 'ABU JOHN'; "
      "a.k.a. 'AL-'ABD'; f.k.a. 'OLD DOE'.\"\r\n"
      "11,\"ACME TRADING LLC\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"DOB Dec 19\"\r\n"
      "12,\"SHIP ONE\",\"vessel\",\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"Remarks cut mid-wo\"\r\n\x1A",
      "10,1,\"aka\",\"DOE, Johnny\",-0- \r\n10,2,\"fka\",\"DOE, John\",-0- \r\n\x1A",
      "11,5,-0- ,\"Havana\",\"Cuba\",-0- \r\n\x1A", "12,\"rd; a.k.a. 'SHIP TWO'.\"\r\n\x1A");
  SanctionsList list;
  list.id = "t";
  ASSERT_TRUE(parse_ofac(files, &list).is_ok());
  ASSERT_EQ(list.entries.size(), 3u);
  const ListEntry& doe = list.entries[0];
  EXPECT_EQ(doe.programs, (std::vector<std::string>{"SDGT", "IRAN"}));
  // Primary, alt.csv aliases (the fka repeating the primary name is not a second name), then the weak ones.
  ASSERT_EQ(doe.names.size(), 5u);
  EXPECT_EQ(doe.names[1].text, "DOE, Johnny");
  EXPECT_EQ(doe.names[1].kind, NameKind::alias);
  EXPECT_EQ(doe.names[2].text, "ABU JOHN");
  EXPECT_EQ(doe.names[2].kind, NameKind::weak_alias);
  EXPECT_EQ(doe.names[3].text, "AL-'ABD");
  EXPECT_EQ(doe.names[4].text, "OLD DOE");
  EXPECT_EQ(doe.birth_dates, (std::vector<DateRange>{{19730101, 19771231}, {19801105, 19801105}}));
  EXPECT_EQ(doe.countries, (std::vector<std::string>{"IQ", "IR"}));
  EXPECT_EQ(list.entries[1].type, EntryType::entity);
  EXPECT_TRUE(list.entries[1].birth_dates.empty()) << "an unreadable DOB is ignored, not an error";
  EXPECT_EQ(list.entries[1].countries, (std::vector<std::string>{"CU"}));
  EXPECT_EQ(list.entries[2].type, EntryType::vessel);
  EXPECT_EQ(list.entries[2].remarks, "Remarks cut mid-word; a.k.a. 'SHIP TWO'.");
  EXPECT_EQ(list.entries[2].names.back().text, "SHIP TWO");
}

TEST(OfacCsv, MalformedInputNamesFileAndLineAndLoadsNothing) {
  const std::string good = "1,\"A\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n";
  struct Case {
    OfacFiles files;
    const char* message;
  };
  const Case cases[] = {
      {ofac(good + "2,\"B\"\r\n"), "sdn.csv:2: expected 12 fields, found 2"},
      {ofac("x1,\"A\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"),
       "sdn.csv:1: ent_num 'x1' is not a number"},
      {ofac("0,\"A\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"), "sdn.csv:1: ent_num must be positive"},
      {ofac(good + good), "sdn.csv:2: ent_num 1 appears twice"},
      {ofac("1,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"), "sdn.csv:1: empty name"},
      {ofac("1,\"A\",\"ship\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \r\n"), "sdn.csv:1: unknown type 'ship'"},
      {ofac(good, "1,1,\"aka\",\"B\",-0- \r\n9,2,\"aka\",\"C\",-0- \r\n"), "alt.csv:2: ent_num 9 is not in sdn.csv"},
      {ofac(good, "1,1,\"aka\",\"B\"\r\n"), "alt.csv:1: expected 5 fields, found 4"},
      {ofac(good, "1,1,\"xyz\",\"B\",-0- \r\n"), "alt.csv:1: unknown alias type 'xyz' (aka, fka or nka)"},
      {ofac(good, "1,1,\"aka\",-0- ,-0- \r\n"), "alt.csv:1: empty alias name"},
      {ofac(good, "", "7,1,-0- ,-0- ,\"Cuba\",-0- \r\n"), "add.csv:1: ent_num 7 is not in sdn.csv"},
      {ofac(good, "", "", "3,\"more\"\r\n"), "sdn_comments.csv:1: ent_num 3 is not in sdn.csv"},
      {ofac(good + "2,\"B"), "sdn.csv:2: unterminated quoted field"},
  };
  for (const Case& c : cases) {
    SanctionsList list;
    list.id = "kept";
    const Status status = parse_ofac(c.files, &list);
    ASSERT_FALSE(status.is_ok()) << c.message;
    EXPECT_EQ(status.message(), c.message);
    EXPECT_TRUE(list.entries.empty());
    EXPECT_EQ(list.id, "kept");
  }
}

TEST(UnXml, MalformedInputNamesFileAndLineAndLoadsNothing) {
  struct Case {
    const char* xml;
    const char* message;
  };
  const Case cases[] = {
      {"<OTHER/>", "un.xml:1: root element is <OTHER>, not <CONSOLIDATED_LIST>"},
      {"<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL><FIRST_NAME>A</FIRST_NAME></INDIVIDUAL>"
       "</INDIVIDUALS></CONSOLIDATED_LIST>",
       "un.xml:2: INDIVIDUAL without REFERENCE_NUMBER or DATAID"},
      {"<CONSOLIDATED_LIST><ENTITIES>\n<ENTITY><REFERENCE_NUMBER>E.1</REFERENCE_NUMBER></ENTITY>"
       "</ENTITIES></CONSOLIDATED_LIST>",
       "un.xml:2: ENTITY E.1 has no name"},
      {"<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL><REFERENCE_NUMBER>X</REFERENCE_NUMBER><FIRST_NAME>A</FIRST_NAME>"
       "</INDIVIDUAL>\n<INDIVIDUAL><REFERENCE_NUMBER>X</REFERENCE_NUMBER><FIRST_NAME>B</FIRST_NAME></INDIVIDUAL>"
       "</INDIVIDUALS></CONSOLIDATED_LIST>",
       "un.xml:3: reference X appears twice"},
      {"<CONSOLIDATED_LIST><INDIVIDUALS>\n<INDIVIDUAL>", "un.xml:2: unclosed element <INDIVIDUAL>"},
  };
  for (const Case& c : cases) {
    SanctionsList list;
    const Status status = parse_un_xml(c.xml, "un.xml", &list);
    ASSERT_FALSE(status.is_ok()) << c.xml;
    EXPECT_EQ(status.message(), c.message);
    EXPECT_TRUE(list.entries.empty());
  }
}

TEST(UnXml, ReadsNamesAliasesDatesAndCountries) {
  const char* xml =
      "<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL><DATAID>1</DATAID><FIRST_NAME>OMAR</FIRST_NAME>"
      "<SECOND_NAME>SABAWI</SECOND_NAME><THIRD_NAME>AL-TIKRITI</THIRD_NAME><UN_LIST_TYPE>Iraq</UN_LIST_TYPE>"
      "<REFERENCE_NUMBER>IQi.082</REFERENCE_NUMBER><NAME_ORIGINAL_SCRIPT>عمر سبعاوي</NAME_ORIGINAL_SCRIPT>"
      "<NATIONALITY><VALUE>Iraq</VALUE></NATIONALITY>"
      "<INDIVIDUAL_ALIAS><QUALITY>Good</QUALITY><ALIAS_NAME>UMAR SABAWI</ALIAS_NAME></INDIVIDUAL_ALIAS>"
      "<INDIVIDUAL_ALIAS><QUALITY>Low</QUALITY><ALIAS_NAME>ABU OMAR</ALIAS_NAME></INDIVIDUAL_ALIAS>"
      "<INDIVIDUAL_ALIAS><QUALITY/><ALIAS_NAME/></INDIVIDUAL_ALIAS>"
      "<INDIVIDUAL_ADDRESS><COUNTRY>Syrian Arab Republic</COUNTRY></INDIVIDUAL_ADDRESS>"
      "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>EXACT</TYPE_OF_DATE><DATE>1970-02-28</DATE></INDIVIDUAL_DATE_OF_BIRTH>"
      "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>BETWEEN</TYPE_OF_DATE><FROM_YEAR>1960</FROM_YEAR>"
      "<TO_YEAR>1962</TO_YEAR></INDIVIDUAL_DATE_OF_BIRTH>"
      "<INDIVIDUAL_DATE_OF_BIRTH><TYPE_OF_DATE>APPROXIMATELY</TYPE_OF_DATE><YEAR>1980</YEAR></INDIVIDUAL_DATE_OF_BIRTH>"
      "</INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>";
  SanctionsList list;
  ASSERT_TRUE(parse_un_xml(xml, "un.xml", &list).is_ok());
  ASSERT_EQ(list.entries.size(), 1u);
  const ListEntry& entry = list.entries[0];
  EXPECT_EQ(entry.uid, "IQi.082");
  ASSERT_EQ(entry.names.size(), 4u);
  EXPECT_EQ(entry.names[0].text, "OMAR SABAWI AL-TIKRITI");
  EXPECT_EQ(entry.names[1].kind, NameKind::original_script);
  EXPECT_EQ(entry.names[2].kind, NameKind::alias);
  EXPECT_EQ(entry.names[3].kind, NameKind::weak_alias);
  EXPECT_EQ(entry.countries, (std::vector<std::string>{"IQ", "SY"}));
  EXPECT_EQ(entry.birth_dates,
            (std::vector<DateRange>{{19600101, 19621231}, {19700228, 19700228}, {19780101, 19821231}}));
  EXPECT_EQ(entry.programs, (std::vector<std::string>{"Iraq"}));
}

TEST(ListEntry, DigestChangesWithEveryField) {
  ListEntry base;
  base.uid = "1";
  base.names.push_back(EntryName{.text = "A", .kind = NameKind::primary});
  std::vector<ListEntry> changed(6, base);
  changed[0].uid = "2";
  changed[1].type = EntryType::entity;
  changed[2].names[0].kind = NameKind::alias;
  changed[3].birth_dates.push_back({19700101, 19701231});
  changed[4].countries.push_back("KZ");
  changed[5].remarks = "x";
  for (const ListEntry& other : changed) EXPECT_FALSE(other.digest() == base.digest());
  EXPECT_TRUE(ListEntry(base).digest() == base.digest());
}

TEST(Dates, IsoRanges) {
  DateRange range;
  ASSERT_TRUE(parse_iso_date_range("1965", &range));
  EXPECT_EQ(range, (DateRange{19650101, 19651231}));
  ASSERT_TRUE(parse_iso_date_range("2024-02", &range));
  EXPECT_EQ(range, (DateRange{20240201, 20240229}));
  ASSERT_TRUE(parse_iso_date_range("1965-10-23", &range));
  EXPECT_EQ(range, (DateRange{19651023, 19651023}));
  for (const char* bad : {"", "65", "1965-13", "1965-1-2", "1965-00-10", "2023-02-29", "1965/10/23", "year"}) {
    EXPECT_FALSE(parse_iso_date_range(bad, &range)) << bad;
  }
}

}  // namespace
}  // namespace qz::screening
