import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import { ErrorDto } from './dto/views.dto';

/** Documents error responses, all with the shared `{statusCode, code, message}` body. */
export function ApiErrors(...responses: [status: number, description: string][]) {
  return applyDecorators(
    ...responses.map(([status, description]) => ApiResponse({ status, description, type: ErrorDto })),
  );
}

export const UNAVAILABLE: [number, string] = [503, 'Redis or storage is unavailable (Retry-After is set)'];
export const MALFORMED_ID: [number, string] = [400, 'The id is not a UUID'];
