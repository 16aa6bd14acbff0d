#include <boost/test/unit_test.hpp>

#include "cloud/ec2_provider.h"
#include "cloud/xml_lite.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(xml_lite)

BOOST_AUTO_TEST_CASE(elements_text_and_entities) {
  auto doc = parse_xml(R"(<?xml version="1.0"?>
<!-- a comment -->
<a:Root xmlns:a="urn:x"><b attr="1">x &amp; y &lt;z&gt; &#65;&#x42;</b><c/><d><e>deep</e></d></a:Root>)");
  BOOST_REQUIRE_MESSAGE(doc.has_value(), (doc ? std::string() : doc.error().message));
  BOOST_TEST(doc->name == "Root");
  BOOST_TEST(doc->child_text("b") == "x & y <z> AB");
  BOOST_TEST(doc->child("c") != nullptr);
  BOOST_TEST(doc->child_text("c") == "");
  BOOST_TEST(doc->find("e")->text == "deep");
  BOOST_TEST(doc->child("missing") == nullptr);
}

BOOST_AUTO_TEST_CASE(malformed) {
  BOOST_TEST(parse_xml("<a><b></a>").error().message == "xml: unexpected </a>");
  BOOST_TEST(parse_xml("<a><b>").error().message == "xml: <b> is not closed");
  BOOST_TEST(parse_xml("<a").error().message == "xml: unterminated tag");
  BOOST_TEST(parse_xml("just text").error().message == "xml: expected one document element");
}

BOOST_AUTO_TEST_CASE(ec2_error_documents) {
  auto doc = parse_xml("<Response><Errors><Error><Code>AuthFailure</Code><Message>AWS was not able to validate "
                       "the provided access credentials</Message></Error></Errors></Response>");
  BOOST_REQUIRE(doc.has_value());
  BOOST_TEST(ec2_error_text(*doc) == "AuthFailure: AWS was not able to validate the provided access credentials");
  auto ok = parse_xml("<DescribeInstancesResponse/>");
  BOOST_REQUIRE(ok.has_value());
  BOOST_TEST(ec2_error_text(*ok) == "");
}

BOOST_AUTO_TEST_SUITE_END()
