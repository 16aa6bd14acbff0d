#include <boost/test/unit_test.hpp>

#include "cloud/sigv4.h"
#include "core/text.h"

using namespace quarry;

namespace {

// The example credentials and time of the AWS Signature Version 4 test suite.
const SigV4Key kKey{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};

SigV4Request vanilla(std::string query = "") {
  SigV4Request r;
  r.method = "GET";
  r.path = "/";
  r.query = std::move(query);
  r.headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}};
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(sigv4)

// aws-sig-v4-test-suite "get-vanilla": every intermediate product checked.
BOOST_AUTO_TEST_CASE(get_vanilla) {
  SigV4Scope scope{"20150830T123600Z", "us-east-1", "service"};
  auto r = vanilla();
  BOOST_TEST(sigv4_canonical_request(r) ==
             "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  BOOST_TEST(sigv4_string_to_sign(r, scope) ==
             "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
             "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
  BOOST_TEST(sigv4_authorization(r, kKey, scope) ==
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
             "SignedHeaders=host;x-amz-date, "
             "Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31");
}

// "get-vanilla-query-order-key-case": parameters are sorted before signing.
BOOST_AUTO_TEST_CASE(query_order) {
  SigV4Scope scope{"20150830T123600Z", "us-east-1", "service"};
  BOOST_TEST(sigv4_signature(vanilla("Param2=value2&Param1=value1"), kKey, scope) ==
             "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500");
}

// The AWS general reference's IAM ListUsers example.
BOOST_AUTO_TEST_CASE(iam_list_users) {
  SigV4Scope scope{"20150830T123600Z", "us-east-1", "iam"};
  SigV4Request r;
  r.method = "GET";
  r.query = "Action=ListUsers&Version=2010-05-08";
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
               {"Host", "iam.amazonaws.com"},
               {"X-Amz-Date", "20150830T123600Z"}};
  BOOST_TEST(sha256_hex(sigv4_canonical_request(r)) == "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  BOOST_TEST(sigv4_signing_key_hex(kKey, scope) == "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
  BOOST_TEST(sigv4_authorization(r, kKey, scope) ==
             "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
             "SignedHeaders=content-type;host;x-amz-date, "
             "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
}

BOOST_AUTO_TEST_CASE(header_values_are_trimmed_and_collapsed) {
  SigV4Request r = vanilla();
  r.headers.push_back({"My-Header1", "  value1   with  spaces "});
  BOOST_TEST(sigv4_canonical_request(r).find("my-header1:value1 with spaces\n") != std::string::npos);
  BOOST_TEST(sigv4_signed_headers(r) == "host;my-header1;x-amz-date");
}

BOOST_AUTO_TEST_CASE(uri_encoding) {
  BOOST_TEST(aws_uri_encode("a b/c~d_e-f.g+h=") == "a%20b%2Fc~d_e-f.g%2Bh%3D");
  BOOST_TEST(aws_uri_encode("/x y/", false) == "/x%20y/");
}

BOOST_AUTO_TEST_CASE(amz_date_format) {
  auto t = std::chrono::system_clock::from_time_t(1440938160);  // 2015-08-30 12:36:00 UTC
  BOOST_TEST(amz_date(t) == "20150830T123600Z");
}

BOOST_AUTO_TEST_SUITE_END()
