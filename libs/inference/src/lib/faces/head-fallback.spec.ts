import { Box } from '@imgpipe/contracts';
import { facesMissingIn, headAreaOf, headSearchArea } from './head-fallback';

describe('headAreaOf', () => {
  it('is the middle 60 % of the top 40 % of a seated person', () => {
    expect(headAreaOf([100, 200, 600, 900], 1920, 1080)).toEqual([200, 200, 500, 480]);
  });

  it('reaches no further than one box width down a standing person', () => {
    expect(headAreaOf([0, 0, 100, 400], 1920, 1080)).toEqual([20, 0, 80, 100]);
  });

  it('stays inside the image', () => {
    expect(headAreaOf([900, -50, 1100, 450], 1000, 1000)).toEqual([940, 0, 1000, 150]);
  });
});

describe('facesMissingIn', () => {
  const left: Box = [0, 0, 500, 1000];
  const right: Box = [400, 0, 900, 1000];
  // Head areas: left [100, 0, 400, 400], right [500, 0, 800, 400].

  it('returns the persons with no face centre in their head area', () => {
    expect(facesMissingIn([left, right], [{ box: [150, 50, 300, 250] }])).toEqual([right]);
    expect(facesMissingIn([left, right], [{ box: [150, 50, 300, 250] }, { box: [550, 100, 700, 300] }])).toEqual([]);
  });

  it("does not let a neighbour's face at the edge stand in for a missed one", () => {
    // Overlaps the right head area, but its centre (450, 150) is outside it.
    const faces = [{ box: [150, 50, 300, 250] as Box }, { box: [350, 50, 550, 250] as Box }];
    expect(facesMissingIn([left, right], faces)).toEqual([right]);
  });

  it('ignores faces below the head area', () => {
    expect(facesMissingIn([left], [{ box: [200, 500, 300, 600] }])).toEqual([left]);
  });
});

describe('headSearchArea', () => {
  it('reaches past the blind area: the whole width and a little above the box', () => {
    // A standing person 100 px wide and 300 tall: half the height (150) is capped at 1.3 widths (130).
    expect(headSearchArea([200, 100, 300, 400], 1000, 1000)).toEqual([190, 87, 310, 230]);
  });

  it('stays inside the image', () => {
    expect(headSearchArea([0, 0, 100, 100], 1000, 1000)).toEqual([0, 0, 110, 50]);
  });
});
