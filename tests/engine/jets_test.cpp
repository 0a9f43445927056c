// Jet observables on hand-made images whose answers are known by hand, and
// the exact W1 distance on small sets.
#include "engine/jets.hpp"

#include <doctest/doctest.h>

#include <cmath>
#include <vector>

#include "engine/evaluate.hpp"

namespace vkgan {
namespace {

constexpr int kSide = 33;
constexpr double kPixel = kJetImageSpan / kSide;

struct Image {
  std::vector<float> px = std::vector<float>(kSide * kSide, 0.0f);
  Image& lit(int row, int col, float v) {
    px[size_t(row * kSide + col)] = v;
    return *this;
  }
  JetObservables observe(double threshold = 1e-3) const {
    return jet_observables(px.data(), 1, kSide, kSide, threshold);
  }
};

TEST_CASE("pixel centres sit symmetrically about the image centre") {
  CHECK(pixel_coordinate(16, kSide) == 0.0);
  CHECK(pixel_coordinate(0, kSide) == doctest::Approx(-16 * kPixel));
  CHECK(pixel_coordinate(32, kSide) == doctest::Approx(0.4 - kPixel / 2));
}

TEST_CASE("a single lit pixel at the centre has no mass, no girth and no tau1") {
  JetObservables o = Image().lit(16, 16, 1.0f).observe();
  CHECK(o.multiplicity == 1);
  CHECK(o.total == doctest::Approx(1.0));
  CHECK(o.max_share == doctest::Approx(1.0));
  CHECK(o.mass_over_pt == 0.0);
  CHECK(o.girth == 0.0);
  CHECK(o.tau1 == 0.0);
  CHECK(o.tau2 == 0.0);
}

TEST_CASE("two pixels in azimuth give mass and girth by hand") {
  // Shares 0.5 and 0.5 at y = 0, phi = 0 and 2 pixels: m^2 = 2 * 0.25 *
  // (1 - cos dphi), pT = 1; girth = 0.5 * dphi.
  double dphi = 2 * kPixel;
  JetObservables o = Image().lit(16, 16, 0.5f).lit(16, 18, 0.5f).observe();
  CHECK(o.multiplicity == 2);
  CHECK(o.max_share == doctest::Approx(0.5));
  CHECK(o.mass_over_pt == doctest::Approx(std::sqrt(0.5 * (1 - std::cos(dphi)))).epsilon(1e-6));
  CHECK(o.girth == doctest::Approx(0.5 * dphi));
}

TEST_CASE("a symmetric pair has tau2 zero and tau1 from the midpoint axis") {
  // Equal shares at y = -2 and +2 pixels: the one kT axis is the midpoint,
  // each pixel 2 pixels away: tau1 = 2 * pixel / R0; two axes sit on them.
  double d = 2 * kPixel;
  JetObservables o = Image().lit(14, 16, 0.5f).lit(18, 16, 0.5f).observe();
  CHECK(o.tau1 == doctest::Approx(d / kJetR0).epsilon(1e-6));
  CHECK(o.tau2 == 0.0);
  CHECK(o.tau21 == 0.0);
  CHECK(o.mass_over_pt == doctest::Approx(std::sqrt(0.5 * (std::cosh(2 * d) - 1))).epsilon(1e-6));
  CHECK(o.girth == doctest::Approx(d));
}

TEST_CASE("three pixels give tau2 from the two kT subjets") {
  // Two close pixels and a far one: two axes, one on the far pixel, one
  // between the close pair (1 pixel apart), so tau2 = 2 * 0.25 * 0.5 px / R0
  // divided by a total of 1.
  JetObservables o = Image().lit(16, 16, 0.25f).lit(16, 17, 0.25f).lit(16, 28, 0.5f).observe();
  CHECK(o.tau2 == doctest::Approx(0.25 * kPixel / kJetR0).epsilon(1e-3));
  CHECK(o.tau21 > 0);
  CHECK(o.tau21 < 1);
}

TEST_CASE("multiplicity counts pixels above the threshold only") {
  JetObservables o = Image().lit(0, 0, 0.0005f).lit(3, 3, 0.002f).lit(5, 5, 0.9975f).observe();
  CHECK(o.multiplicity == 2);
  CHECK(Image().lit(3, 3, 0.002f).observe(0.01).multiplicity == 0);
}

TEST_CASE("W1 of identical sets is zero") {
  CHECK(wasserstein1({0.1, 0.5, 0.2, 3}, {3, 0.2, 0.1, 0.5}) == 0.0);
}

TEST_CASE("W1 between two deltas is the shift, whatever the sizes") {
  CHECK(wasserstein1({0, 0}, {3, 3, 3}) == doctest::Approx(3));
  CHECK(wasserstein1({1.5}, {-1}) == doctest::Approx(2.5));
}

TEST_CASE("W1 of unequal sizes matches the quantile integral by hand") {
  // F_a^-1 is 0 on (0, 1/2], 1 after; F_b^-1 is 0, 1, 2 on thirds: they
  // differ by 1 on (1/3, 1/2] and on (2/3, 1]: 1/6 + 1/3.
  CHECK(wasserstein1({1, 0}, {2, 0, 1}) == doctest::Approx(0.5));
  // A shift of every value by c moves W1 by c.
  CHECK(wasserstein1({0, 1}, {5, 6}) == doctest::Approx(5));
}

}  // namespace
}  // namespace vkgan
