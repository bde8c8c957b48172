import { ApiProperty } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsString, MaxLength, MinLength } from 'class-validator';
import { IsCountry } from '../../common/validation/is-country';
import { COUNTRY_CODES, ORGANISATION_NODES, ORGANISATION_TYPES, OrganisationNode, OrganisationType } from '../../common/vocabulary';
import { MAX_PAGE_LIMIT, PageQueryDto } from '../../common/http/pagination';
import { OrganisationEntity } from '../organisation.entity';

export class CreateOrganisationDto {
  @ApiProperty({ example: 'Mercy Shelter Bangkok', minLength: 2, maxLength: 200 })
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim() : value))
  @IsString()
  @MinLength(2)
  @MaxLength(200)
  name: string;

  @ApiProperty({ example: 'TH', description: 'ISO 3166-1 alpha-2', enum: COUNTRY_CODES }) @IsCountry() country: string;

  @ApiProperty({ enum: ORGANISATION_TYPES, example: 'ngo' }) @IsIn(ORGANISATION_TYPES) type: OrganisationType;
}

export class ListOrganisationsQueryDto extends PageQueryDto {}

export class OrganisationResponseDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ example: 'Mercy Shelter', maxLength: 200 }) name: string;
  @ApiProperty({ minLength: 2, maxLength: 2, example: 'TH' }) country: string;
  @ApiProperty({ enum: ORGANISATION_TYPES }) type: OrganisationType;
  @ApiProperty({ enum: ORGANISATION_NODES, description: 'remote: on a partner deployment, reached by federation' }) node: OrganisationNode;
  @ApiProperty({
    format: 'uuid',
    nullable: true,
    type: String,
    description: 'For a remote organisation, the partner deployment it is reached through',
  })
  partnerId: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;

  static from(o: OrganisationEntity): OrganisationResponseDto {
    return {
      id: o.id,
      name: o.name,
      country: o.country,
      type: o.type,
      node: o.node,
      partnerId: o.partnerId ?? null,
      createdAt: o.createdAt.toISOString(),
    };
  }
}

export class OrganisationPageDto {
  @ApiProperty({ maxItems: MAX_PAGE_LIMIT, type: [OrganisationResponseDto] }) items: OrganisationResponseDto[];
  @ApiProperty() total: number;
  @ApiProperty() page: number;
  @ApiProperty() limit: number;
}
