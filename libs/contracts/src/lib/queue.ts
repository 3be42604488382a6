/** The Bull queue every producer and the worker share. */
export const QUEUE_NAME = 'image-processing';

/** Job names on {@link QUEUE_NAME}. */
export enum JobName {
  ProcessImage = 'process-image',
}
