#include "screening/internal/countries.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

namespace qz::screening::internal {

namespace {

// "CODE|name|other name|...": every ISO 3166-1 alpha-2 code with its English short name and the other spellings
// the lists use. Names are compared after key() below, so case and punctuation are free here.
constexpr const char* kCountries[] = {
    "AD|Andorra",
    "AE|United Arab Emirates|UAE",
    "AF|Afghanistan",
    "AG|Antigua and Barbuda",
    "AI|Anguilla",
    "AL|Albania",
    "AM|Armenia",
    "AO|Angola",
    "AQ|Antarctica",
    "AR|Argentina",
    "AS|American Samoa",
    "AT|Austria",
    "AU|Australia",
    "AW|Aruba",
    "AX|Aland Islands",
    "AZ|Azerbaijan",
    "BA|Bosnia and Herzegovina|Bosnia-Herzegovina",
    "BB|Barbados",
    "BD|Bangladesh",
    "BE|Belgium",
    "BF|Burkina Faso",
    "BG|Bulgaria",
    "BH|Bahrain",
    "BI|Burundi",
    "BJ|Benin",
    "BL|Saint Barthelemy",
    "BM|Bermuda",
    "BN|Brunei|Brunei Darussalam",
    "BO|Bolivia|Bolivia (Plurinational State of)",
    "BQ|Bonaire, Sint Eustatius and Saba",
    "BR|Brazil",
    "BS|Bahamas|The Bahamas|Bahamas, The",
    "BT|Bhutan",
    "BW|Botswana",
    "BY|Belarus",
    "BZ|Belize",
    "CA|Canada",
    "CC|Cocos (Keeling) Islands",
    "CD|Democratic Republic of the Congo|Congo, Democratic Republic of the|DR Congo|DRC|Zaire",
    "CF|Central African Republic",
    "CG|Congo|Republic of the Congo|Congo, Republic of the",
    "CH|Switzerland",
    "CI|Cote d Ivoire|Cote d'Ivoire|Ivory Coast",
    "CK|Cook Islands",
    "CL|Chile",
    "CM|Cameroon",
    "CN|China",
    "CO|Colombia",
    "CR|Costa Rica",
    "CU|Cuba",
    "CV|Cabo Verde|Cape Verde",
    "CW|Curacao",
    "CX|Christmas Island",
    "CY|Cyprus",
    "CZ|Czech Republic|Czechia",
    "DE|Germany",
    "DJ|Djibouti",
    "DK|Denmark",
    "DM|Dominica",
    "DO|Dominican Republic",
    "DZ|Algeria",
    "EC|Ecuador",
    "EE|Estonia",
    "EG|Egypt",
    "EH|Western Sahara",
    "ER|Eritrea",
    "ES|Spain",
    "ET|Ethiopia",
    "FI|Finland",
    "FJ|Fiji",
    "FK|Falkland Islands",
    "FM|Micronesia|Micronesia, Federated States of",
    "FO|Faroe Islands",
    "FR|France",
    "GA|Gabon",
    "GB|United Kingdom|United Kingdom of Great Britain and Northern Ireland|Great Britain|UK|Britain",
    "GD|Grenada",
    "GE|Georgia",
    "GF|French Guiana",
    "GG|Guernsey",
    "GH|Ghana",
    "GI|Gibraltar",
    "GL|Greenland",
    "GM|Gambia|The Gambia|Gambia, The",
    "GN|Guinea",
    "GP|Guadeloupe",
    "GQ|Equatorial Guinea",
    "GR|Greece",
    "GS|South Georgia and the South Sandwich Islands",
    "GT|Guatemala",
    "GU|Guam",
    "GW|Guinea-Bissau",
    "GY|Guyana",
    "HK|Hong Kong",
    "HN|Honduras",
    "HR|Croatia",
    "HT|Haiti",
    "HU|Hungary",
    "ID|Indonesia",
    "IE|Ireland",
    "IL|Israel",
    "IM|Isle of Man",
    "IN|India",
    "IO|British Indian Ocean Territory",
    "IQ|Iraq",
    "IR|Iran|Iran (Islamic Republic of)|Islamic Republic of Iran",
    "IS|Iceland",
    "IT|Italy",
    "JE|Jersey",
    "JM|Jamaica",
    "JO|Jordan",
    "JP|Japan",
    "KE|Kenya",
    "KG|Kyrgyzstan|Kyrgyz Republic",
    "KH|Cambodia",
    "KI|Kiribati",
    "KM|Comoros",
    "KN|Saint Kitts and Nevis",
    "KP|North Korea|Korea, North|Democratic People's Republic of Korea|DPRK",
    "KR|South Korea|Korea, South|Republic of Korea|Korea",
    "KW|Kuwait",
    "KY|Cayman Islands",
    "KZ|Kazakhstan",
    "LA|Laos|Lao People's Democratic Republic",
    "LB|Lebanon",
    "LC|Saint Lucia",
    "LI|Liechtenstein",
    "LK|Sri Lanka",
    "LR|Liberia",
    "LS|Lesotho",
    "LT|Lithuania",
    "LU|Luxembourg",
    "LV|Latvia",
    "LY|Libya",
    "MA|Morocco",
    "MC|Monaco",
    "MD|Moldova|Republic of Moldova",
    "ME|Montenegro",
    "MF|Saint Martin",
    "MG|Madagascar",
    "MH|Marshall Islands",
    "MK|North Macedonia|Macedonia",
    "ML|Mali",
    "MM|Burma|Myanmar",
    "MN|Mongolia",
    "MO|Macau|Macao",
    "MP|Northern Mariana Islands",
    "MQ|Martinique",
    "MR|Mauritania",
    "MS|Montserrat",
    "MT|Malta",
    "MU|Mauritius",
    "MV|Maldives",
    "MW|Malawi",
    "MX|Mexico",
    "MY|Malaysia",
    "MZ|Mozambique",
    "NA|Namibia",
    "NC|New Caledonia",
    "NE|Niger",
    "NF|Norfolk Island",
    "NG|Nigeria",
    "NI|Nicaragua",
    "NL|Netherlands|The Netherlands|Holland",
    "NO|Norway",
    "NP|Nepal",
    "NR|Nauru",
    "NU|Niue",
    "NZ|New Zealand",
    "OM|Oman",
    "PA|Panama",
    "PE|Peru",
    "PF|French Polynesia",
    "PG|Papua New Guinea",
    "PH|Philippines",
    "PK|Pakistan",
    "PL|Poland",
    "PM|Saint Pierre and Miquelon",
    "PN|Pitcairn",
    "PR|Puerto Rico",
    "PS|Palestine|State of Palestine|Palestinian|West Bank|Gaza|Palestinian Territories|Region: Gaza",
    "PT|Portugal",
    "PW|Palau",
    "PY|Paraguay",
    "QA|Qatar",
    "RE|Reunion",
    "RO|Romania",
    "RS|Serbia",
    "RU|Russia|Russian Federation",
    "RW|Rwanda",
    "SA|Saudi Arabia",
    "SB|Solomon Islands",
    "SC|Seychelles",
    "SD|Sudan",
    "SE|Sweden",
    "SG|Singapore",
    "SH|Saint Helena",
    "SI|Slovenia",
    "SJ|Svalbard and Jan Mayen",
    "SK|Slovakia",
    "SL|Sierra Leone",
    "SM|San Marino",
    "SN|Senegal",
    "SO|Somalia",
    "SR|Suriname",
    "SS|South Sudan",
    "ST|Sao Tome and Principe",
    "SV|El Salvador",
    "SX|Sint Maarten",
    "SY|Syria|Syrian Arab Republic",
    "SZ|Eswatini|Swaziland",
    "TC|Turks and Caicos Islands",
    "TD|Chad",
    "TF|French Southern Territories",
    "TG|Togo",
    "TH|Thailand",
    "TJ|Tajikistan",
    "TK|Tokelau",
    "TL|Timor-Leste|East Timor",
    "TM|Turkmenistan",
    "TN|Tunisia",
    "TO|Tonga",
    "TR|Turkey|Turkiye|Trkiye",
    "TT|Trinidad and Tobago",
    "TV|Tuvalu",
    "TW|Taiwan",
    "TZ|Tanzania|United Republic of Tanzania",
    "UA|Ukraine|Region: Crimea|Crimea",
    "UG|Uganda",
    "UM|United States Minor Outlying Islands",
    "US|United States|United States of America|USA",
    "UY|Uruguay",
    "UZ|Uzbekistan",
    "VA|Holy See|Vatican",
    "VC|Saint Vincent and the Grenadines",
    "VE|Venezuela|Venezuela (Bolivarian Republic of)",
    "VG|Virgin Islands, British|British Virgin Islands",
    "VI|Virgin Islands, U.S.|US Virgin Islands",
    "VN|Vietnam|Viet Nam",
    "VU|Vanuatu",
    "WF|Wallis and Futuna",
    "WS|Samoa",
    "XK|Kosovo",
    "YE|Yemen",
    "YT|Mayotte",
    "ZA|South Africa",
    "ZM|Zambia",
    "ZW|Zimbabwe",
    "AN|Netherlands Antilles",
    "SU|Soviet Union|former Soviet Union|USSR",
};

// Lower-case ASCII letters only: "Korea, North" -> "koreanorth".
std::string key(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c >= 'A' && c <= 'Z') out.push_back(static_cast<char>(c - 'A' + 'a'));
    if (c >= 'a' && c <= 'z') out.push_back(c);
  }
  return out;
}

struct Table {
  std::vector<std::pair<std::string, std::string>> by_name;  // (key, code), sorted by key
  std::vector<std::string> codes;                            // sorted

  Table() {
    for (const char* row : kCountries) {
      const std::string_view text(row);
      const std::string code(text.substr(0, 2));
      codes.push_back(code);
      size_t start = 3;
      while (start <= text.size()) {
        size_t bar = text.find('|', start);
        if (bar == std::string_view::npos) bar = text.size();
        by_name.emplace_back(key(text.substr(start, bar - start)), code);
        start = bar + 1;
      }
    }
    std::sort(by_name.begin(), by_name.end());
    std::sort(codes.begin(), codes.end());
  }
};

const Table& table() {
  static const Table instance;
  return instance;
}

}  // namespace

std::string country_code(std::string_view name_or_code) {
  const Table& countries = table();
  const std::string normalised = key(name_or_code);
  if (normalised.empty()) return "";
  if (normalised.size() == 2) {
    std::string code = normalised;
    for (char& c : code) c = static_cast<char>(c - 'a' + 'A');
    if (std::binary_search(countries.codes.begin(), countries.codes.end(), code)) return code;
  }
  const auto found = std::lower_bound(countries.by_name.begin(), countries.by_name.end(),
                                      std::pair<std::string, std::string>(normalised, ""));
  if (found != countries.by_name.end() && found->first == normalised) return found->second;
  return "";
}

}  // namespace qz::screening::internal
