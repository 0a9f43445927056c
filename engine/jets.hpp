// Physics observables of one jet image. The image is a grid of pixel pT
// (any overall scale; channels are summed) covering kJetImageSpan in
// rapidity (rows) and azimuth (columns), centred on the jet axis; a pixel is
// a massless particle at its centre. The jet axis for girth is the image
// centre, where the images were centred.
#pragma once

#include <cstdint>

namespace vkgan {

inline constexpr double kJetImageSpan = 0.8;  // rapidity and azimuth extent
inline constexpr double kJetR0 = 0.4;         // N-subjettiness normalisation radius

struct JetObservables {
  int64_t multiplicity = 0;  // pixels above the threshold
  double total = 0;          // sum of pixel values
  double max_share = 0;      // hottest pixel / total
  double mass_over_pt = 0;   // m / (scalar sum of pixel pT)
  double girth = 0;          // sum pt_i R_i / sum pt_i, R_i from the image centre
  // tau_N = sum_i pt_i min_k dR(i, axis_k) / (sum_i pt_i * kJetR0), axes from
  // exclusive kT clustering into N subjets (0 with fewer than N+1 pixels lit);
  // tau21 = tau2 / tau1, 0 where tau1 is 0.
  double tau1 = 0, tau2 = 0, tau21 = 0;
};

// `pixels` holds channels * height * width values, channel after channel.
// Pixels at or below 0 are empty.
JetObservables jet_observables(const float* pixels, int channels, int height, int width,
                               double threshold);

// The centre of pixel (row, col) in rapidity or azimuth, 0 at the grid's
// centre.
double pixel_coordinate(int index, int size);

}  // namespace vkgan
