// JsonText writes what nlohmann's dump(2) writes, byte for byte: the books
// and observations a control pass rewrites are written without a tree of
// nlohmann values, and read back by the same parser.
#include <boost/test/unit_test.hpp>

#include <nlohmann/json.hpp>

#include "store/json_text.h"
#include "store/records.h"

using namespace quarry;

namespace {

std::string dumped(const nlohmann::json& j) { return j.dump(2) + "\n"; }

ContainerRecord record(int i) {
  ContainerRecord r;
  r.stack = "blog";
  r.node = "web";
  r.index = i;
  r.release = 3;
  r.server = "s" + std::to_string(i);
  r.name = "blog-web-r3-" + std::to_string(i);
  r.id = std::string(64, 'a');
  r.image = "quarry/blog_web:r3";
  r.host_port = 20000 + i;
  r.container_port = 8080;
  r.weight = i;
  r.memory_mb = 256;
  r.state = "running";
  r.started_at = 1700000000 + i;
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(json_text)

BOOST_AUTO_TEST_CASE(strings_are_escaped_as_nlohmann_escapes_them) {
  const std::string cases[] = {"", "plain", "quote \" and \\ back", "\b\f\n\r\t", std::string("\x01\x1f\x7f", 3),
                               std::string("nul\0in", 6), "caf\xc3\xa9 \xe2\x82\xac", "a/b <c> &d"};
  for (const auto& s : cases) {
    std::string out;
    append_json_string(out, s);
    BOOST_TEST(out == nlohmann::json(s).dump(), "case: " + nlohmann::json(s).dump());
  }
  // Bytes that are not UTF-8 fail as dump() fails.
  std::string out;
  BOOST_CHECK_THROW(append_json_string(out, "bad \xff"), nlohmann::json::type_error);
}

BOOST_AUTO_TEST_CASE(nesting_and_empty_containers_are_laid_out_as_dump_2) {
  JsonText out;
  out.begin_object();
  out.key("a"), out.begin_array(), out.end_array();
  out.key("b"), out.begin_object(), out.end_object();
  out.key("c"), out.begin_array();
  out.value(1), out.value(-2), out.value(true), out.value(0.5), out.value(1.0), out.value(3e-7), out.value("x");
  out.begin_object(), out.key("k"), out.value(std::int64_t{-9000000000}), out.end_object();
  out.begin_array(), out.begin_array(), out.end_array(), out.end_array();
  out.end_array();
  out.end_object();
  nlohmann::json j = {{"a", nlohmann::json::array()},
                      {"b", nlohmann::json::object()},
                      {"c", {1, -2, true, 0.5, 1.0, 3e-7, "x", {{"k", -9000000000}}, {nlohmann::json::array()}}}};
  BOOST_TEST(out.take() == dumped(j));
  JsonText empty;
  empty.begin_array(), empty.end_array();
  BOOST_TEST(empty.take() == dumped(nlohmann::json::array()));
}

BOOST_AUTO_TEST_CASE(the_books_text_is_what_put_json_wrote) {
  std::vector<ContainerRecord> books = {record(1), record(2), record(3)};
  books[1].service = true;
  books[1].cpu = 0.25;
  books[2].cpu = 2;
  books[2].links = {{"db", "10.0.0.1:5432"}, {"cache", "10.0.0.2:6379"}};
  books[2].state = "exited \"1\"\n";
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& r : books) arr.push_back(to_json(r));
  BOOST_TEST(containers_text(books) == dumped(arr));
  BOOST_TEST(containers_text({}) == dumped(nlohmann::json::array()));
}

BOOST_AUTO_TEST_SUITE_END()
