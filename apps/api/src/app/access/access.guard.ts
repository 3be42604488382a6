import {
  CanActivate,
  ExecutionContext,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  SetMetadata,
  UseGuards,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiBearerAuth } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { PIPELINE_CONFIG, PipelineConfig } from '@imgpipe/config';
import { RedisUnavailableError } from '@imgpipe/jobs';
import { AuditActor, PipelineMetrics } from '@imgpipe/metrics';
import { ApiErrors } from '../api-docs';
import { ApiError } from '../errors/api-error';
import {
  InvalidTokenError,
  KeySetUnavailableError,
  Principal,
  TokenVerifier,
  createTokenVerifier,
} from './token-verifier';
import { RateLimitStore } from './rate-limit.store';

/** Scopes a token must carry, by what the route gives access to. */
export const SCOPES = {
  /** Upload images (POST /upload, /batch-upload). */
  write: 'images:write',
  /** Job status, batches, processed images and metadata, statistics and queue state. */
  read: 'images:read',
  /** The unblurred originals: kept apart so most readers never see a face. */
  originals: 'originals:read',
  /** Every client's jobs, not only the token subject's own (operators, back offices). */
  readAll: 'images:read-all',
  /** Erase jobs and batches with everything stored of them (DELETE /jobs/{id}, /batch/{id}). */
  delete: 'images:delete',
} as const;
export type Scope = (typeof SCOPES)[keyof typeof SCOPES];

const SCOPE_KEY = 'imgpipe:scope';

/** Who is calling: the token's subject when auth is on, else the client address. */
export interface ClientRequest extends Request {
  principal?: Principal;
  clientId?: string;
}

/**
 * Whether the caller may read (or erase) a job or batch uploaded by `owner`. With auth on, a client reads its
 * own uploads (same token subject) unless it holds `images:read-all`; jobs without an owner (auth
 * off when uploaded, or enqueued directly) are readable by any `images:read` token.
 */
export function mayRead(req: ClientRequest, owner: string | undefined): boolean {
  if (!req.principal || owner === undefined) return true;
  return owner === req.principal.subject || req.principal.scopes.has(SCOPES.readAll);
}

/** Who the audit log names for a request: the token subject with auth on, else the client address. */
export function auditActor(req: ClientRequest): AuditActor {
  return req.principal ? { subject: req.principal.subject } : { client: req.ip ?? 'unknown' };
}

/**
 * Marks a route as needing `scope` (when auth is configured), counts it against the client's rate
 * limit, and documents both in OpenAPI.
 */
export function Protected(scope: Scope) {
  return applyDecorators(
    SetMetadata(SCOPE_KEY, scope),
    UseGuards(AccessGuard),
    ApiBearerAuth(),
    ApiErrors(
      [401, 'No bearer token, or an invalid or expired one (when auth is configured)'],
      [403, `The token lacks the scope "${scope}"`],
      [429, 'Too many requests from this client (RATE_LIMIT_PER_MINUTE); retry after Retry-After seconds'],
    ),
  );
}

/**
 * Authentication, then authorisation by scope, then the per-client rate limit: an unauthenticated
 * caller never spends anyone's budget, and a refused request never reaches the handler.
 */
@Injectable()
export class AccessGuard implements CanActivate {
  private readonly logger = new Logger(AccessGuard.name);
  private readonly verify: TokenVerifier | null;

  constructor(
    @Inject(PIPELINE_CONFIG) config: PipelineConfig,
    private readonly reflector: Reflector,
    private readonly rateLimit: RateLimitStore,
    private readonly metrics: PipelineMetrics,
  ) {
    this.verify = config.auth ? createTokenVerifier(config.auth) : null;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<ClientRequest>();
    const res = context.switchToHttp().getResponse<Response>();
    const scope = this.reflector.get<Scope>(SCOPE_KEY, context.getHandler());
    if (this.verify) {
      req.principal = await this.authenticate(req, res);
      if (!req.principal.scopes.has(scope)) {
        this.refused('forbidden');
        res.setHeader('WWW-Authenticate', `Bearer error="insufficient_scope", scope="${scope}"`);
        throw new ApiError(HttpStatus.FORBIDDEN, 'insufficient_scope', `this request needs the scope "${scope}"`);
      }
    }
    req.clientId = req.principal ? `sub:${req.principal.subject}` : `ip:${req.ip ?? 'unknown'}`;
    await this.limit(req.clientId, res);
    return true;
  }

  private async authenticate(req: ClientRequest, res: Response): Promise<Principal> {
    const header = req.headers.authorization;
    const match = header ? /^Bearer ([A-Za-z0-9._~+/-]+=*)$/i.exec(header.trim()) : null;
    try {
      if (!match)
        throw new InvalidTokenError(
          header ? 'the Authorization header is not "Bearer <token>"' : 'a bearer token is required',
        );
      return await (this.verify as TokenVerifier)(match[1]);
    } catch (err) {
      if (err instanceof KeySetUnavailableError) {
        this.logger.warn({ message: 'cannot verify tokens', error: err.message });
        throw new ApiError(
          HttpStatus.SERVICE_UNAVAILABLE,
          'auth_unavailable',
          'tokens cannot be verified right now',
          undefined,
          5,
        );
      }
      if (!(err instanceof InvalidTokenError)) throw err;
      this.refused('unauthorized');
      res.setHeader('WWW-Authenticate', header ? 'Bearer error="invalid_token"' : 'Bearer');
      throw new ApiError(HttpStatus.UNAUTHORIZED, 'unauthorized', err.message);
    }
  }

  private async limit(clientId: string, res: Response): Promise<void> {
    let decision;
    try {
      decision = await this.rateLimit.take(clientId);
    } catch (err) {
      // Without Redis nothing can be accepted anyway; the route itself answers 503.
      if (err instanceof RedisUnavailableError) return;
      throw err;
    }
    if (decision.allowed) {
      if (Number.isFinite(decision.remaining)) res.setHeader('RateLimit-Remaining', String(decision.remaining));
      return;
    }
    this.refused('rate_limited');
    throw new ApiError(
      HttpStatus.TOO_MANY_REQUESTS,
      'rate_limited',
      `more than ${this.rateLimit.limit} requests in a minute from this client; retry later`,
      undefined,
      decision.retryAfterS,
    );
  }

  private refused(reason: 'unauthorized' | 'forbidden' | 'rate_limited'): void {
    this.metrics.requestsRefused.inc({ reason });
  }
}
