import { Box } from '@imgpipe/contracts';
import { clampBox } from '../geometry/box';

/**
 * Where the head is inside a person box, as fractions of the box. Chosen from NanoDet's 21 person
 * boxes on the six group portraits (seated, leaning, cropped at the bottom, often including a
 * neighbour's arm): the person's own face centre lay between 0.25 and 0.78 of the box width, and
 * the face's bottom edge at most 0.38 of the height and 0.86 of the width below the top. So the
 * area is the middle 60 % of the width, from the top down 40 % of the height, but no further
 * than one box width, which keeps it to the head and shoulders of a standing, full-length person.
 */
const SIDE_MARGIN = 0.2;
const HEIGHT_FRACTION = 0.4;
const MAX_HEIGHT_IN_WIDTHS = 1;

function headRegion([x1, y1, x2, y2]: Box): Box {
  const width = x2 - x1;
  const height = Math.min((y2 - y1) * HEIGHT_FRACTION, width * MAX_HEIGHT_IN_WIDTHS);
  return [x1 + width * SIDE_MARGIN, y1, x2 - width * SIDE_MARGIN, y1 + height];
}

/** The part of a person box to blur when no face was found for that person. */
export function headAreaOf(personBox: Box, imageWidth: number, imageHeight: number): Box {
  return clampBox(headRegion(personBox), imageWidth, imageHeight);
}

/**
 * Where to look for the face of a person in whom the whole-image pass found none: wider and
 * taller than the area blurred blind, because a head turned, bent or cut by a tight box can sit
 * anywhere across the top of it, and a little above it.
 */
export function headSearchArea([x1, y1, x2, y2]: Box, imageWidth: number, imageHeight: number): Box {
  const width = x2 - x1;
  const height = Math.min((y2 - y1) * 0.5, width * 1.3);
  return clampBox([x1 - 0.1 * width, y1 - 0.1 * height, x2 + 0.1 * width, y1 + height], imageWidth, imageHeight);
}

/**
 * Persons with no detected face centre inside their head area. The centre, not any overlap, is
 * what counts: person boxes in group photos overlap, and a neighbour's face reaching into the
 * edge of a head area must not hide that this person's own face was missed.
 */
export function facesMissingIn(personBoxes: readonly Box[], faces: readonly { box: Box }[]): Box[] {
  return personBoxes.filter((person) => {
    const [x1, y1, x2, y2] = headRegion(person);
    return !faces.some(({ box }) => {
      const cx = (box[0] + box[2]) / 2;
      const cy = (box[1] + box[3]) / 2;
      return cx >= x1 && cx <= x2 && cy >= y1 && cy <= y2;
    });
  });
}
