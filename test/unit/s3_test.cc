#include "tm_core/s3.h"

#include <catch2/catch.hpp>
#include <fstream>
#include <map>

#include "fakes.h"

namespace tm_core {
namespace {

// An environment of our own, and files for it in a fresh directory.
struct FakeEnv {
  test::TempDir dir;
  std::map<std::string, std::string> vars{{"HOME", dir.path()}};
  EnvLookup lookup() const {
    return [this](const std::string& name) -> std::optional<std::string> {
      auto it = vars.find(name);
      if (it == vars.end()) return std::nullopt;
      return it->second;
    };
  }
  void Write(const std::string& relative, const std::string& text) {
    std::filesystem::create_directories(
        std::filesystem::path(dir.path() + "/" + relative).parent_path());
    std::ofstream(dir.path() + "/" + relative) << text;
  }
};

AwsConfig Resolve(const FakeEnv& env) {
  AwsConfig c;
  Status s = ResolveAwsConfig(env.lookup(), &c);
  INFO(s.message());
  REQUIRE(s.ok());
  return c;
}

std::string Failure(const FakeEnv& env) {
  AwsConfig c;
  Status s = ResolveAwsConfig(env.lookup(), &c);
  REQUIRE_FALSE(s.ok());
  CHECK(s.code() == Status::Code::kInvalidArgument);
  return s.message();
}

TEST_CASE("INI files as the AWS tools write them", "[s3]") {
  IniSections ini;
  REQUIRE(ParseIni("# comment\n[default]\naws_access_key_id = AK\r\n; other comment\n"
                   "  \n[profile dev]\nregion=eu-west-3\ns3 =\n  multipart_threshold = 5MB\n"
                   "  max_concurrency = 4\nAWS_Secret_Access_Key =  with = sign  \n",
                   &ini)
              .ok());
  CHECK(ini["default"] == std::map<std::string, std::string>{{"aws_access_key_id", "AK"}});
  CHECK(ini["profile dev"] ==
        std::map<std::string, std::string>{
            {"region", "eu-west-3"}, {"s3", ""}, {"aws_secret_access_key", "with = sign"}});
  CHECK(ParseIni("key = value\n", &ini).message() == "line 1: setting before any [section]");
  CHECK(ParseIni("[a\n", &ini).message() == "line 1: unclosed '['");
  CHECK(ParseIni("[a]\nno equals\n", &ini).message() == "line 2: expected key = value");
}

TEST_CASE("Keys in the environment win over the files", "[s3]") {
  FakeEnv env;
  env.Write(".aws/credentials", "[default]\naws_access_key_id = FILE\naws_secret_access_key = F\n");
  env.vars["AWS_ACCESS_KEY_ID"] = "ENV";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "E";
  env.vars["AWS_SESSION_TOKEN"] = "T";
  AwsConfig c = Resolve(env);
  CHECK(c.access_key_id == "ENV");
  CHECK(c.secret_access_key == "E");
  CHECK(c.session_token == "T");
  CHECK(c.credentials_from == "environment");
  CHECK(c.region == "us-east-1");
  env.vars.erase("AWS_SECRET_ACCESS_KEY");
  CHECK(Failure(env) == "AWS_SECRET_ACCESS_KEY is not set, but AWS_ACCESS_KEY_ID is");
  env.vars["AWS_SECRET_ACCESS_KEY"] = "";  // empty counts as unset
  CHECK(Failure(env) == "AWS_SECRET_ACCESS_KEY is not set, but AWS_ACCESS_KEY_ID is");
}

TEST_CASE("The profile's keys come from the credentials file, then the config file", "[s3]") {
  FakeEnv env;
  env.Write(".aws/credentials",
            "[default]\naws_access_key_id = DEF\naws_secret_access_key = D\n"
            "[dev]\naws_access_key_id = DEV\naws_secret_access_key = V\naws_session_token = TOK\n");
  env.Write(".aws/config",
            "[default]\nregion = eu-central-1\n[profile dev]\nregion = eu-west-3\n"
            "[profile cfg]\naws_access_key_id = CFG\naws_secret_access_key = C\n");
  AwsConfig c = Resolve(env);
  CHECK(c.access_key_id == "DEF");
  CHECK(c.region == "eu-central-1");
  CHECK(c.credentials_from == env.dir.path() + "/.aws/credentials [default]");
  env.vars["AWS_PROFILE"] = "dev";
  c = Resolve(env);
  CHECK(c.access_key_id == "DEV");
  CHECK(c.session_token == "TOK");
  CHECK(c.region == "eu-west-3");
  env.vars["AWS_PROFILE"] = "cfg";
  c = Resolve(env);
  CHECK(c.access_key_id == "CFG");
  CHECK(c.credentials_from == env.dir.path() + "/.aws/config [cfg]");
  CHECK(c.region == "us-east-1");
  env.vars["AWS_DEFAULT_REGION"] = "ap-south-1";
  CHECK(Resolve(env).region == "ap-south-1");
  env.vars["AWS_REGION"] = "sa-east-1";
  CHECK(Resolve(env).region == "sa-east-1");
}

TEST_CASE("The file locations and the profile can be set in the environment", "[s3]") {
  FakeEnv env;
  env.Write("c", "[p]\naws_access_key_id = AK\naws_secret_access_key = SK\n");
  env.Write("k", "[profile p]\nregion = us-west-2\n");
  env.vars["AWS_SHARED_CREDENTIALS_FILE"] = env.dir.path() + "/c";
  env.vars["AWS_CONFIG_FILE"] = env.dir.path() + "/k";
  env.vars["AWS_DEFAULT_PROFILE"] = "p";
  AwsConfig c = Resolve(env);
  CHECK(c.access_key_id == "AK");
  CHECK(c.region == "us-west-2");
}

TEST_CASE("Missing or half keys are explained", "[s3]") {
  FakeEnv env;
  CHECK(Failure(env) ==
        "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or "
        "give profile 'default' keys in " +
            env.dir.path() + "/.aws/credentials");
  env.Write(".aws/config", "[profile r]\nrole_arn = arn:aws:iam::1:role/x\n");
  env.vars["AWS_PROFILE"] = "r";
  CHECK(Failure(env).ends_with("(tm does not support role_arn)"));
  env.Write(".aws/credentials", "[r]\naws_access_key_id = AK\n");
  CHECK(Failure(env) == env.dir.path() + "/.aws/credentials [r]: aws_secret_access_key is missing");
  env.Write(".aws/credentials", "[r]\nbroken line\n");
  CHECK(Failure(env) == env.dir.path() + "/.aws/credentials: line 2: expected key = value");
}

TEST_CASE("TM_AWS_SIGV4_DATE must be a SigV4 timestamp", "[s3]") {
  FakeEnv env;
  env.vars["AWS_ACCESS_KEY_ID"] = "A";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "S";
  env.vars["TM_AWS_SIGV4_DATE"] = "20130524T000000Z";
  CHECK(Resolve(env).signing_date == "20130524T000000Z");
  for (std::string bad :
       {"2013-05-24T00:00:00Z", "20130524T000000", "20130524X000000Z", "2013052aT000000Z"}) {
    env.vars["TM_AWS_SIGV4_DATE"] = bad;
    CHECK(Failure(env) == "TM_AWS_SIGV4_DATE: not YYYYMMDDTHHMMSSZ: '" + bad + "'");
  }
}

TEST_CASE("Paths and queries are encoded as SigV4 canonicalises them", "[s3]") {
  CHECK(UriEncode("a b+c/d~e_f.g-h/é%", true) == "a%20b%2Bc/d~e_f.g-h/%C3%A9%25");
  CHECK(UriEncode("a/b=c&d", false) == "a%2Fb%3Dc%26d");
  CHECK(CanonicalQuery({{"uploads", ""}}) == "uploads=");
  CHECK(CanonicalQuery({{"uploadId", "x+y/z"}, {"partNumber", "10"}}) ==
        "partNumber=10&uploadId=x%2By%2Fz");
  CHECK(CanonicalQuery({{"prefix", "a b/"},
                        {"max-keys", "1000"},
                        {"list-type", "2"},
                        {"continuation-token", "1/ab=="}}) ==
        "continuation-token=1%2Fab%3D%3D&list-type=2&max-keys=1000&prefix=a%20b%2F");
}

TEST_CASE("XML elements are found by their exact names, entities decoded", "[s3]") {
  const std::string xml =
      "<R><KeyCount>2</KeyCount><Key>a&amp;b &lt;&#233;&#x263A;&gt;</Key><Key/>"
      "<Key attr=\"1\">c</Key><Keys>no</Keys></R>";
  auto keys = XmlElements(xml, "Key");
  REQUIRE(keys.size() == 3);
  CHECK(XmlUnescape(keys[0]) == "a&b <é☺>");
  CHECK(keys[1].empty());
  CHECK(keys[2] == "c");
  CHECK(XmlText(xml, "KeyCount") == "2");
  CHECK(XmlText(xml, "Missing") == "");
  CHECK(XmlUnescape("&unknown; &#0; &#xZZ; &amp") == "&unknown; &#0; &#xZZ; &amp");
  CHECK(XmlEscape("\"a\" & <b>'") == "&quot;a&quot; &amp; &lt;b&gt;&apos;");
  CHECK(XmlUnescape(XmlEscape("x<&>\"'y")) == "x<&>\"'y");
}

TEST_CASE("A ListObjectsV2 page gives keys, sizes, ETags and the next token", "[s3]") {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>tm</Name><Prefix>p/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<IsTruncated>true</IsTruncated>"
      "<Contents><Key>p/a&amp;b.lzma</Key><LastModified>2013-10-11T00:00:00.000Z</LastModified>"
      "<ETag>&quot;900150983cd24fb0d6963f7d28e17f72&quot;</ETag><Size>3</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>p/big</Key><ETag>\"0123456789abcdef0123456789abcdef-3\"</ETag>"
      "<Size>20000000000</Size></Contents>"
      "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
      "</ListBucketResult>";
  ListPage page;
  REQUIRE(ParseListPage(xml, &page).ok());
  REQUIRE(page.objects.size() == 2);
  CHECK(page.objects[0].key == "p/a&b.lzma");
  CHECK(page.objects[0].size == 3);
  CHECK(page.objects[0].etag == "900150983cd24fb0d6963f7d28e17f72");
  CHECK(page.objects[1].size == 20000000000ull);
  CHECK(page.objects[1].etag == "0123456789abcdef0123456789abcdef-3");
  CHECK(page.truncated);
  CHECK(page.next_token == "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

  REQUIRE(
      ParseListPage("<ListBucketResult><IsTruncated>false</IsTruncated></ListBucketResult>", &page)
          .ok());
  CHECK(page.objects.empty());
  CHECK_FALSE(page.truncated);
}

TEST_CASE("A listing that cannot be trusted is Corruption", "[s3]") {
  ListPage page;
  CHECK(ParseListPage("<Error><Code>AccessDenied</Code></Error>", &page).code() ==
        Status::Code::kCorruption);
  CHECK(ParseListPage("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>", &page)
            .message() == "listing truncated without a NextContinuationToken");
  CHECK(ParseListPage("<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents>"
                      "</ListBucketResult>",
                      &page)
            .message() == "listing: bad <Size> for key 'k'");
  CHECK(
      ParseListPage("<ListBucketResult><Contents><Key>k</Key></Contents></ListBucketResult>", &page)
          .code() == Status::Code::kCorruption);
}

}  // namespace
}  // namespace tm_core

namespace tm_core {
namespace {

TEST_CASE("S3 uploads go in parts above the threshold, 5 GiB, or 10,000 parts", "[s3]") {
  FakeEnv env;
  env.vars["AWS_ACCESS_KEY_ID"] = "A";
  env.vars["AWS_SECRET_ACCESS_KEY"] = "S";
  StoreOptions options;
  options.env = env.lookup();
  options.multipart_threshold = 64 << 20;
  options.part_size = 16 << 20;
  StoreUrl url;
  REQUIRE(ParseStoreUrl("s3://bucket/prefix/", &url).ok());
  std::unique_ptr<Store> store;
  REQUIRE(NewS3Store(url, options, &store).ok());
  CHECK(store->url() == "s3://bucket/prefix/");
  auto needed = [&](uint64_t size) {
    bool md5 = false;
    uint64_t part = 0;
    store->PutDigestsNeeded(size, &md5, &part);
    CHECK(md5);
    return part;
  };
  CHECK(needed(0) == 0);
  CHECK(needed(64 << 20) == 0);
  CHECK(needed((64 << 20) + 1) == 16 << 20);
  CHECK(needed(100'000ull << 20) == 16 << 20);         // 6,250 parts
  CHECK(needed(1'000'000'000'000ull) == 96ull << 20);  // 1 TB: 10^8 B parts, up to whole MiBs
  options.multipart_threshold = 1ull << 40;
  REQUIRE(NewS3Store(url, options, &store).ok());
  CHECK(needed(5ull << 30) == 0);
  CHECK(needed((5ull << 30) + 1) == 16 << 20);  // no single PUT above 5 GiB
}

}  // namespace
}  // namespace tm_core
