/**
 * The routes the API really serves, two ways: Fastify's router (the truth on the wire) and Nest's controllers (where the
 * guard decision lives). Specs compare the two so that a route added anywhere without a guard decision, or missing from
 * the OpenAPI document, fails CI.
 */
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { PERMISSION_KEY, PUBLIC_KEY } from '../../src/common/auth/decorators';
import { Permission } from '../../src/common/auth/permissions';

export interface ControllerRoute {
  method: string;
  path: string;
  /** "Controller.method", for failure messages. */
  handler: string;
  permission?: Permission;
  isPublic: boolean;
}

const joinPath = (...parts: string[]): string => {
  const joined = `/${parts.join('/')}`.replace(/\/+/g, '/');
  return joined.length > 1 ? joined.replace(/\/$/, '') : joined;
};

const asList = (value: string | string[] | undefined): string[] => (Array.isArray(value) ? value : [value ?? '/']);

/** Every handler of every controller, with the metadata the global guard reads (same Reflector lookup as the guard). */
export function controllerRoutes(app: NestFastifyApplication): ControllerRoute[] {
  const reflector = new Reflector();
  const scanner = new MetadataScanner();
  const routes: ControllerRoute[] = [];
  for (const module of app.get(ModulesContainer).values()) {
    for (const wrapper of module.controllers.values()) {
      const controller = wrapper.metatype as (new (...args: unknown[]) => unknown) | null;
      if (!controller) continue;
      for (const name of scanner.getAllMethodNames(controller.prototype)) {
        const handler = controller.prototype[name] as (...args: unknown[]) => unknown;
        const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (requestMethod === undefined) continue;
        const targets = [handler, controller];
        for (const base of asList(Reflect.getMetadata(PATH_METADATA, controller))) {
          for (const own of asList(Reflect.getMetadata(PATH_METADATA, handler))) {
            routes.push({
              method: RequestMethod[requestMethod],
              path: joinPath(base, own),
              handler: `${controller.name}.${name}`,
              permission: reflector.getAllAndOverride<Permission | undefined>(PERMISSION_KEY, targets),
              isPublic: reflector.getAllAndOverride<boolean | undefined>(PUBLIC_KEY, targets) === true,
            });
          }
        }
      }
    }
  }
  return routes.sort((a, b) => `${a.path} ${a.method}`.localeCompare(`${b.path} ${b.method}`));
}

/** Every (method, path) in Fastify's router, read from its route tree; HEAD routes Fastify adds for each GET are left out. */
export function routerRoutes(app: NestFastifyApplication): Array<{ method: string; path: string }> {
  const tree = app.getHttpAdapter().getInstance().printRoutes({ commonPrefix: false });
  const stack: string[] = [];
  const found: Array<{ method: string; path: string }> = [];
  for (const line of tree.split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const match = /^(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line.slice(at + 4))!;
    stack.length = at / 4;
    stack.push(match[1]);
    const path = stack.join('');
    const methods = match[2] ? match[2].split(',').map((m) => m.trim()) : [];
    for (const method of methods) found.push({ method, path });
  }
  const gets = new Set(found.filter((r) => r.method === 'GET').map((r) => r.path));
  return found.filter((r) => !(r.method === 'HEAD' && gets.has(r.path)));
}

/**
 * Routes that are not Nest handlers, and why they are allowed: the OpenAPI document and its UI (SwaggerModule registers
 * them on Fastify directly; public by design) and the CORS preflight answer (app.enableCors).
 */
export function isInfrastructureRoute(route: { method: string; path: string }): boolean {
  if (
    route.path === '/api/docs' ||
    route.path.startsWith('/api/docs/') ||
    route.path === '/api/docs-json' ||
    route.path === '/api/docs-yaml'
  ) {
    return route.method === 'GET';
  }
  return route.method === 'OPTIONS' && route.path === '*';
}

/** "/api/v1/users/:id" → "/api/v1/users/{id}" (OpenAPI's spelling). */
export const openApiPath = (path: string): string => path.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

/** A concrete URL for a route template: every path parameter becomes the given value. */
export const fillPath = (path: string, value: string): string => path.replace(/:[A-Za-z0-9_]+/g, value);
