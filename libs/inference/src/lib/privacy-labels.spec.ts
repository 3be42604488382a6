import { PERSON_LABEL, VEHICLE_LABELS } from '@imgpipe/contracts';
import { COCO_LABELS } from './detectors/coco-labels';

// The configuration refuses a DETECTOR_LABELS without the classes the privacy stages start from.
describe('the classes the privacy stages start from', () => {
  it('are all COCO classes, so the default detector and a COCO export need no DETECTOR_LABELS check', () => {
    for (const label of [PERSON_LABEL, ...VEHICLE_LABELS]) expect(COCO_LABELS).toContain(label);
  });
});
