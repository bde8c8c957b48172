import { Controller, ExecutionContext, Get } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { DomainError } from '../errors/domain-error';
import { AuthGuard } from './auth.guard';
import { Authorize, Public } from './decorators';
import { Permission } from './permissions';

@Controller('probe')
class ProbeController {
  @Get('open') @Public() open() {}
  @Get('closed') @Authorize(Permission.MeRead) closed() {}
  @Get('forgotten') forgotten() {}
}

@Public()
@Controller('public-probe')
class PublicProbeController {
  @Get() anything() {}
}

const contextFor = (controller: new () => object, method: string, headers: Record<string, string> = {}): ExecutionContext =>
  ({
    getHandler: () => (controller.prototype as Record<string, unknown>)[method],
    getClass: () => controller,
    switchToHttp: () => ({ getRequest: () => ({ headers, id: 'c-1' }) }),
  }) as unknown as ExecutionContext;

describe('AuthGuard (deny by default)', () => {
  // No token service and no database: a decision that needs neither must not reach them.
  const unreachable = new Proxy(
    {},
    {
      get: () => {
        throw new Error('should not be reached');
      },
    },
  );
  const guard = new AuthGuard(new Reflector(), unreachable as never, unreachable as never);

  it('closes a route that declares neither a permission nor @Public', async () => {
    await expect(guard.canActivate(contextFor(ProbeController, 'forgotten'))).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(guard.canActivate(contextFor(ProbeController, 'forgotten', { authorization: 'Bearer abc' }))).rejects.toBeInstanceOf(
      DomainError,
    );
  });

  it('opens a @Public route without a token, on the method or the controller', async () => {
    await expect(guard.canActivate(contextFor(ProbeController, 'open'))).resolves.toBe(true);
    await expect(guard.canActivate(contextFor(PublicProbeController, 'anything'))).resolves.toBe(true);
  });

  it('asks for a bearer token on a protected route', async () => {
    await expect(guard.canActivate(contextFor(ProbeController, 'closed'))).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    await expect(guard.canActivate(contextFor(ProbeController, 'closed', { authorization: 'Basic YTpi' }))).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
  });
});
