/**
 * Demo seed hook: a handful of realistic, plainly fictional cases for a demo deployment. Called by the demo seed with
 * the CasesService and two staff members of one organisation; everything goes through the same service (encryption,
 * references, audit) as the API. Every name, number and place here is invented and labelled so.
 */
import { EntityManager } from 'typeorm';
import { Actor } from '../common/auth/actor';
import { Role } from '../common/vocabulary';
import { CaseEntity } from './case.entity';
import { CasesService } from './cases.service';
import { CreateCaseDto } from './dto/case-input.dto';

export interface DemoStaffMember {
  id: string;
  organisationId: string;
  organisationCountry: string;
  role: Role;
}

/** Whether the organisation owns any case yet (the demo seed adds its cases only to shelters that have none). */
export function ownsAnyCase(em: EntityManager, organisationId: string): Promise<boolean> {
  return em.exists(CaseEntity, { where: { ownerOrganisationId: organisationId } });
}

/** An Actor for work done by the seed rather than by a signed-in request. */
export function seedActor(user: DemoStaffMember): Actor {
  return {
    userId: user.id,
    organisationId: user.organisationId,
    organisationCountry: user.organisationCountry,
    role: user.role,
    sessionId: 'demo-seed',
    correlationId: 'demo-seed',
  };
}

const year = new Date().getUTCFullYear();

export const DEMO_CASES: ReadonlyArray<{ by: 'caseworker' | 'supervisor'; body: CreateCaseDto; close?: 'returned_home' }> = [
  {
    by: 'caseworker',
    body: {
      person: {
        givenName: 'Demo Aye',
        familyName: 'Fictional',
        dateOfBirth: '2001-04-12',
        gender: 'feminine',
        citizenship: ['MM'],
        languages: ['mya'],
        identityDocuments: [{ type: 'passport', number: 'DEMO0000001', country: 'MM' }],
        phone: '+66 00 000 0001',
        currentLocation: 'Demo Shelter (fictional)',
      },
      traffickingStatus: 'actual',
      exploitationTypes: ['forced_criminality'],
      meansOfControl: ['withholds_documents', 'debt_bondage', 'threats'],
      recruitmentMethods: ['online_advertisement'],
      recruitmentPlatforms: ['facebook', 'telegram'],
      countryOfRecruitment: 'MM',
      countryOfExploitation: 'KH',
      ageWhenTrafficked: 22,
      protection: {
        riskLevel: 'high',
        dangerFlag: false,
        immigrationStatus: 'victim_temporary_permit',
        nonPunishmentAssessment: 'applies',
        objectsToHomeStateNotification: false,
      },
      legalProceedings: [{ jurisdiction: 'TH', caseNumber: 'DEMO-COURT-1', role: 'witness', nextHearing: `${year + 1}-02-15` }],
    },
  },
  {
    by: 'caseworker',
    body: {
      person: {
        givenName: 'Demo Keo',
        familyName: 'Example',
        gender: 'masculine',
        citizenship: ['KH'],
        languages: ['khm'],
        currentLocation: 'Demo Youth Home (fictional)',
      },
      traffickingStatus: 'possible',
      exploitationTypes: ['forced_labour', 'child_labour'],
      recruitmentMethods: ['labour_broker'],
      countryOfRecruitment: 'KH',
      countryOfExploitation: 'TH',
      ageWhenTrafficked: 15,
      protection: { riskLevel: 'medium', detentionStatus: 'not_detained' },
    },
  },
  {
    by: 'supervisor',
    body: {
      person: {
        givenName: 'Demo Noy',
        familyName: 'Placeholder',
        gender: 'not_specified',
        citizenship: ['LA'],
        languages: ['lao'],
        phone: '+856 00 000 0003',
      },
      traffickingStatus: 'actual',
      exploitationTypes: ['sexual_exploitation'],
      meansOfControl: ['physical_abuse', 'restricts_movement'],
      countryOfRecruitment: 'LA',
      countryOfExploitation: 'TH',
      protection: { riskLevel: 'critical', dangerFlag: true, objectsToHomeStateNotification: true },
    },
  },
  {
    by: 'caseworker',
    body: {
      person: { givenName: 'Demo Min', familyName: 'Sample', gender: 'masculine', citizenship: ['MM'], languages: ['shn'] },
      traffickingStatus: 'actual',
      exploitationTypes: ['forced_labour'],
      recruitmentMethods: ['friend_or_acquaintance'],
      countryOfRecruitment: 'MM',
      countryOfExploitation: 'TH',
      ageWhenTrafficked: 30,
      protection: { riskLevel: 'low' },
    },
    close: 'returned_home',
  },
];

/** Creates the demo cases in the staff's organisation; returns their references. */
export async function seedDemoCases(
  cases: CasesService,
  staff: { caseworker: DemoStaffMember; supervisor: DemoStaffMember },
): Promise<string[]> {
  const references: string[] = [];
  for (const demo of DEMO_CASES) {
    const actor = seedActor(staff[demo.by]);
    const created = await cases.create(actor, demo.body);
    if (demo.close) await cases.close(actor, created.id, undefined, { reason: demo.close });
    references.push(created.reference);
  }
  return references;
}
