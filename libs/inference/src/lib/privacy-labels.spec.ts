import { PERSON_LABEL, VEHICLE_LABELS as CONFIGURED_VEHICLE_LABELS } from '@imgpipe/contracts';
import { COCO_LABELS } from './detectors/coco-labels';
import { VEHICLE_LABELS } from './image-pipeline';

// The configuration refuses a DETECTOR_LABELS without these classes; it must check the ones the pipeline uses.
describe('the classes the privacy stages start from', () => {
  it('are the ones the configuration checks a custom detector for', () => {
    expect([...VEHICLE_LABELS].sort()).toEqual([...CONFIGURED_VEHICLE_LABELS].sort());
  });

  it('are all COCO classes, so the default detector and a COCO export need no DETECTOR_LABELS check', () => {
    for (const label of [PERSON_LABEL, ...CONFIGURED_VEHICLE_LABELS]) expect(COCO_LABELS).toContain(label);
  });
});
