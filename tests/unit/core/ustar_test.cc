#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/ustar.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(ustar)

BOOST_AUTO_TEST_CASE(gnu_tar_extracts_every_file_byte_for_byte_with_its_mode) {
  std::map<std::string, std::string> files = {
      {"nginx.conf", "events {}\n"},
      {"conf.d/00-default.conf", std::string(511, 'a')},
      {"conf.d/blog_web.conf", std::string(1025, 'b') + '\0' + "tail"},
      {"a/b/c/empty", ""},
  };
  auto archive = ustar_archive(files, 0640);
  BOOST_REQUIRE_MESSAGE(archive.has_value(), (archive ? "" : archive.error().message));
  BOOST_TEST(archive->size() % 512 == 0u);
  auto dir = make_temp_dir("quarry-ustar");
  BOOST_REQUIRE(dir.has_value());
  ProcessOptions o;
  o.stdin_data = *archive;
  auto r = run_process({"tar", "-x", "-o", "-p", "-C", *dir, "-f", "-"}, o);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->exit_code == 0, r->err);
  BOOST_TEST(r->err.empty(), r->err);  // no checksum or format warnings
  for (const auto& [path, content] : files) {
    BOOST_TEST(read_file(*dir + "/" + path).value() == content, path);
    struct stat st;
    BOOST_REQUIRE(stat((*dir + "/" + path).c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0640u, path);
  }
  remove_all(*dir);
}

BOOST_AUTO_TEST_CASE(paths_that_could_leave_the_directory_are_refused) {
  for (const std::string& bad : std::vector<std::string>{"/etc/passwd", "../x", "a/../../x", "a//b", "./a", "", std::string(100, 'n')}) {
    auto archive = ustar_archive({{bad, "x"}});
    BOOST_TEST(!archive.has_value(), bad);
  }
}

BOOST_AUTO_TEST_CASE(an_archive_over_the_bound_is_refused) {
  auto archive = ustar_archive({{"big", std::string(4096, 'x')}}, 0644, 4096);
  BOOST_REQUIRE(!archive.has_value());
  BOOST_TEST(archive.error().message == "archive of 1 files passes 4096 bytes");
}

BOOST_AUTO_TEST_SUITE_END()
